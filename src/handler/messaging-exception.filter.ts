import { Catch, Inject, Logger, Optional, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { toWireError } from '../errors/wire-error';
import { getMessageContext } from '../metadata/message-context';
import { MESSAGING_MODULE_OPTIONS } from '../messaging.constants';
import type { MessagingModuleOptions } from '../messaging.options';
import { messageMetadataOf, patternOf } from './rpc-context.util';

/**
 * Turns whatever a handler (or its guards, pipes, interceptors) threw into the
 * library's wire error `{ code, message, details?, retryable, pattern, correlationId }`,
 * and logs unexpected errors once, with the correlation id. `@MessageHandler`
 * and `@EventHandler` attach it; attach it yourself with `@UseFilters(MessagingExceptionFilter)`.
 */
@Catch()
export class MessagingExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('MessagingHandler');

  constructor(@Optional() @Inject(MESSAGING_MODULE_OPTIONS) private readonly options?: MessagingModuleOptions) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const correlationId = getMessageContext()?.correlationId ?? messageMetadataOf(host).correlationId;
    const pattern = patternOf(host);
    const failure = toWireError(exception, {
      pattern,
      correlationId,
      exposeErrors: this.options?.handlers?.exposeErrors ?? false,
    });
    if (failure.unexpected) {
      const err = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`handler of ${pattern ?? '(unknown pattern)'} failed [correlationId=${correlationId}]: ${err}`);
    }
    return throwError(() => failure.payload);
  }
}
