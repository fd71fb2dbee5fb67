import { type Transport } from '@nestjs/microservices';
import { type EventContract, type MessageContract } from '../contract/message-contract';
import { type MessagePattern as Pattern } from '../errors/messaging.errors';
import { type MessagingHandlerOptions } from './handler.options';
/** Options of {@link MessageHandler} and {@link EventHandler}. */
export interface HandlerDecoratorOptions extends MessagingHandlerOptions {
    /** Only for this transport, in a microservice that listens on several (Nest's `MessagePattern` transport argument). */
    transport?: Transport | symbol;
}
/**
 * A request-response handler: Nest's `@MessagePattern` plus the library's
 * interceptor (message context; with a contract, a validated, upcast DTO as
 * payload) and exception filter (the structured wire error). Guards, pipes,
 * interceptors and filters of your own keep working, also in hybrid apps
 * without `inheritAppConfig`.
 *
 * @param target a contract made by `defineMessage`, or a plain Nest pattern.
 * @example
 * @MessageHandler(GetUser)
 * getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata): UserDto {}
 */
export declare function MessageHandler(target: MessageContract | Pattern, options?: HandlerDecoratorOptions): MethodDecorator;
/**
 * An event handler: Nest's `@EventPattern` plus the library's interceptor and
 * exception filter (see {@link MessageHandler}). An invalid event is logged
 * with its correlation id and not handled.
 *
 * @param target a contract made by `defineEvent`, or a plain Nest pattern.
 * @example
 * @EventHandler(UserCreated)
 * onUserCreated(@Payload() event: UserCreatedV1) {}
 */
export declare function EventHandler(target: EventContract | Pattern, options?: HandlerDecoratorOptions): MethodDecorator;
