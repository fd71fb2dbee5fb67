import { Catch, Logger, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { isDownstreamFailure, toWireError } from '../errors/wire-error';
import { grpcStatusReply, isGrpcMetadata } from '../wire/transports/grpc';
import { inboundOf, metadataOf, patternOf, routeOf } from './inbound-of';

/**
 * Turns whatever a handler (or its guards, pipes, interceptors) threw into the
 * library's wire error `{ code, message, details?, retryable, pattern, correlationId }`
 * (on gRPC: the status of the same code, with that error in the trailing metadata),
 * and logs unexpected errors once, with the correlation id. `@MessageHandler`
 * and `@EventHandler` attach it. Its options (`exposeErrors`) come from the
 * handler's route in the library's server, not from dependency injection.
 */
@Catch()
export class MessagingExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('MessagingHandler');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const inbound = inboundOf(host);
    if (inbound) inbound.failure = exception;
    const route = routeOf(inbound);
    const correlationId = metadataOf(host).correlationId;
    const pattern = patternOf(host);
    const failure = toWireError(exception, { pattern, correlationId, exposeErrors: route?.exposeErrors ?? false });
    if (isDownstreamFailure(exception)) {
      // The caller gets the re-classified error; this log keeps what it leaves out (patterns, clients, hosts).
      const line = `handler of ${pattern ?? '(unknown pattern)'} failed on a downstream call [correlationId=${correlationId}]: ${exception.message}`;
      if (failure.unexpected) this.logger.error(line);
      else this.logger.warn(line);
    } else if (failure.unexpected) {
      const err = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`handler of ${pattern ?? '(unknown pattern)'} failed [correlationId=${correlationId}]: ${err}`);
    }
    // gRPC: the status itself (code, message, the error in the trailers), also under Nest's own gRPC server.
    if (isGrpcMetadata(host.switchToRpc().getContext())) return throwError(() => grpcStatusReply(failure.payload));
    return throwError(() => failure.payload);
  }
}
