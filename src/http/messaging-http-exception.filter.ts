import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MessagingErrorCode } from '../errors/error-codes';
import { MessagingError, MessagingRemoteError } from '../errors/messaging.errors';

/** The HTTP status of each error code, as {@link MessagingHttpExceptionFilter} maps it. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<MessagingErrorCode, number>> = Object.freeze({
  INVALID_ARGUMENT: HttpStatus.BAD_REQUEST,
  UNSUPPORTED_VERSION: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ALREADY_EXISTS: HttpStatus.CONFLICT,
  PERMISSION_DENIED: HttpStatus.FORBIDDEN,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FAILED_PRECONDITION: HttpStatus.PRECONDITION_FAILED,
  RESOURCE_EXHAUSTED: HttpStatus.TOO_MANY_REQUESTS,
  DEADLINE_EXCEEDED: HttpStatus.GATEWAY_TIMEOUT,
  UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  UNIMPLEMENTED: HttpStatus.NOT_IMPLEMENTED,
  CANCELLED: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
  UNKNOWN: HttpStatus.BAD_GATEWAY,
});

/** Codes whose remote message is meant for the caller and may reach the HTTP client. */
const CALLER_FACING = new Set<MessagingErrorCode>([
  'INVALID_ARGUMENT',
  'UNSUPPORTED_VERSION',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'FAILED_PRECONDITION',
]);

const GENERIC: Readonly<Record<string, string>> = {
  DEADLINE_EXCEEDED: 'An upstream service did not answer in time',
  UNAVAILABLE: 'An upstream service is unavailable',
  RESOURCE_EXHAUSTED: 'Too many requests',
  UNIMPLEMENTED: 'Not implemented',
  CANCELLED: 'The request was cancelled',
  UNKNOWN: 'An upstream service failed',
};

/** The body {@link MessagingHttpExceptionFilter} sends. */
export interface MessagingHttpErrorBody {
  /** The HTTP status. */
  readonly statusCode: number;
  /** The error code. */
  readonly code: MessagingErrorCode;
  /** What went wrong, fit for an HTTP client (no internal pattern or client names). */
  readonly message: string;
  /** Correlation id of the failed call. */
  readonly correlationId?: string;
  /** Details a remote handler sent for a caller-facing error (e.g. validation issues). */
  readonly details?: unknown;
}

/**
 * Turns MessagingErrors that reach an HTTP route into proper HTTP responses:
 * INVALID_ARGUMENT -> 400, NOT_FOUND -> 404, DEADLINE_EXCEEDED -> 504,
 * UNAVAILABLE -> 503, ... (see {@link HTTP_STATUS_BY_CODE}). Works on the Express
 * and Fastify adapters. Internal names (patterns, clients) never reach the body.
 *
 * @example
 * app.useGlobalFilters(new MessagingHttpExceptionFilter(app.get(HttpAdapterHost)));
 */
@Catch(MessagingError)
export class MessagingHttpExceptionFilter implements ExceptionFilter<MessagingError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: MessagingError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const statusCode = HTTP_STATUS_BY_CODE[error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    const remote = error instanceof MessagingRemoteError ? error.remote : undefined;
    const callerFacing = CALLER_FACING.has(error.code);
    const remoteMessage = (remote as { message?: unknown } | undefined)?.message;
    const message = callerFacing
      ? typeof remoteMessage === 'string'
        ? remoteMessage
        : error.message
      : (GENERIC[error.code] ?? 'Internal server error');
    const details = callerFacing ? (error as { details?: unknown }).details : undefined;
    const body: MessagingHttpErrorBody = {
      statusCode,
      code: error.code,
      message,
      ...(error.correlationId ? { correlationId: error.correlationId } : {}),
      ...(details !== undefined ? { details } : {}),
    };
    const ctx = host.switchToHttp();
    this.adapterHost.httpAdapter.reply(ctx.getResponse(), body, statusCode);
  }
}
