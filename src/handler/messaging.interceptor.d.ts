import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { MessagingModuleOptions } from '../messaging.options';
/**
 * Runs each handled message in its message context: calls and events made
 * while handling carry the same correlation id and this message's id as
 * their causation id; a message from a plain Nest client gets a fresh
 * correlation id. On handlers with a contract (`@MessageHandler(contract)`), it
 * also turns the payload into a validated instance of the contract's current
 * DTO, upcasting older versions, before the handler (and its pipes) run.
 *
 * `@MessageHandler` / `@EventHandler` attach it. To use it on plain
 * `@MessagePattern` handlers, attach it per controller or handler
 * (`@UseInterceptors(MessagingInterceptor)`): in a hybrid app, global
 * interceptors do not run on microservice handlers unless `inheritAppConfig` is true.
 */
export declare class MessagingInterceptor implements NestInterceptor {
    private readonly options?;
    private readonly reflector;
    /** What the decorators said about each handler, read once per handler instead of once per message. */
    private readonly handlers;
    private readonly logger;
    private readonly guards;
    private readonly instruments;
    constructor(options?: MessagingModuleOptions | undefined);
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown>;
    private settingsOf;
}
