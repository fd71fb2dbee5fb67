import { type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable } from 'rxjs';
import type { MessagingModuleOptions } from '../messaging.options';
/**
 * Turns whatever a handler (or its guards, pipes, interceptors) threw into the
 * library's wire error `{ code, message, details?, retryable, pattern, correlationId }`,
 * and logs unexpected errors once, with the correlation id. `@MessageHandler`
 * and `@EventHandler` attach it; attach it yourself with `@UseFilters(MessagingExceptionFilter)`.
 */
export declare class MessagingExceptionFilter implements RpcExceptionFilter<unknown> {
    private readonly options?;
    private readonly logger;
    constructor(options?: MessagingModuleOptions | undefined);
    catch(exception: unknown, host: ArgumentsHost): Observable<never>;
}
