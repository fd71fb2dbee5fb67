import { applyDecorators, SetMetadata, UseFilters, UseInterceptors } from '@nestjs/common';
import { EventPattern, MessagePattern, type Transport } from '@nestjs/microservices';
import { isContract, type EventContract, type MessageContract } from '../contract/message-contract';
import { MessagingConfigurationError, type MessagePattern as Pattern } from '../errors/messaging.errors';
import { CONTRACT_METADATA, HANDLER_KIND_METADATA, HANDLER_OPTIONS_METADATA, type MessagingHandlerOptions } from './handler.options';
import { checkHandlerResilience } from '../resilience/handler-options.validate';
import { MessagingExceptionFilter } from './messaging-exception.filter';
import { MessagingInterceptor } from './messaging.interceptor';

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
export function MessageHandler(
  target: MessageContract | Pattern,
  options: HandlerDecoratorOptions = {},
): MethodDecorator {
  if (isContract(target) && target.kind !== 'message') {
    throw new MessagingConfigurationError(`@MessageHandler needs a message contract (defineMessage); use @EventHandler for events`);
  }
  if (options.dedupe) {
    throw new MessagingConfigurationError('@MessageHandler does not take dedupe: it is for @EventHandler (make request handlers idempotent instead)');
  }
  return handlerDecorators(target, options, 'request', (pattern, transport) =>
    transport === undefined ? MessagePattern(pattern) : MessagePattern(pattern, transport),
  );
}

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
export function EventHandler(target: EventContract | Pattern, options: HandlerDecoratorOptions = {}): MethodDecorator {
  if (isContract(target) && target.kind !== 'event') {
    throw new MessagingConfigurationError(`@EventHandler needs an event contract (defineEvent); use @MessageHandler for messages`);
  }
  return handlerDecorators(target, options, 'event', (pattern, transport) =>
    transport === undefined ? EventPattern(pattern) : EventPattern(pattern, transport),
  );
}

function handlerDecorators(
  target: MessageContract | EventContract | Pattern,
  { transport, ...handlerOptions }: HandlerDecoratorOptions,
  kind: 'request' | 'event',
  patternDecorator: (pattern: Pattern, transport?: Transport | symbol) => MethodDecorator,
): MethodDecorator {
  const contract = isContract(target) ? target : undefined;
  const pattern = contract ? contract.pattern : (target as Pattern);
  const problems = checkHandlerResilience('handler options', handlerOptions);
  if (problems.length) throw new MessagingConfigurationError(problems.join('; '));
  const decorators: Array<ClassDecorator | MethodDecorator | PropertyDecorator> = [
    patternDecorator(pattern, transport),
    UseInterceptors(MessagingInterceptor),
    UseFilters(MessagingExceptionFilter),
    SetMetadata(HANDLER_KIND_METADATA, kind),
  ];
  if (contract) decorators.push(SetMetadata(CONTRACT_METADATA, contract));
  if (Object.keys(handlerOptions).length) decorators.push(SetMetadata(HANDLER_OPTIONS_METADATA, handlerOptions));
  return applyDecorators(...decorators) as MethodDecorator;
}
