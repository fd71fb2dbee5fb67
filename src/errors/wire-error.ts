import { HttpException, HttpStatus } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { MessagingErrorCode } from './error-codes';
import { MessagingError } from './messaging.errors';

/**
 * The shape of a failure on the wire, inside Nest's `err` field of the reply.
 * A plain Nest client receives exactly this object.
 */
export interface WireError {
  /** One of {@link MessagingErrorCode}. */
  readonly code: MessagingErrorCode;
  /** What went wrong, fit for the caller (never a stack or an internal error's message unless `exposeErrors`). */
  readonly message: string;
  /** Structured details, e.g. `{ issues: [{ path, constraints }] }` for INVALID_ARGUMENT. */
  readonly details?: unknown;
  /** Whether the caller may retry the same call. */
  readonly retryable: boolean;
  /** The pattern that failed, as text. */
  readonly pattern?: string;
  /** Correlation id of the failed message. */
  readonly correlationId?: string;
}

/** Where a failure happened, for {@link toWireError}. */
export interface FailureContext {
  /** The pattern, as text. */
  readonly pattern?: string;
  /** The correlation id of the message. */
  readonly correlationId?: string;
  /** Put the original message and stack of unexpected errors into `details` (for development only). */
  readonly exposeErrors?: boolean;
}

const HTTP_TO_CODE: Readonly<Record<number, MessagingErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: MessagingErrorCode.INVALID_ARGUMENT,
  [HttpStatus.UNPROCESSABLE_ENTITY]: MessagingErrorCode.INVALID_ARGUMENT,
  [HttpStatus.UNAUTHORIZED]: MessagingErrorCode.UNAUTHENTICATED,
  [HttpStatus.FORBIDDEN]: MessagingErrorCode.PERMISSION_DENIED,
  [HttpStatus.NOT_FOUND]: MessagingErrorCode.NOT_FOUND,
  [HttpStatus.CONFLICT]: MessagingErrorCode.ALREADY_EXISTS,
  [HttpStatus.PRECONDITION_FAILED]: MessagingErrorCode.FAILED_PRECONDITION,
  [HttpStatus.TOO_MANY_REQUESTS]: MessagingErrorCode.RESOURCE_EXHAUSTED,
  [HttpStatus.PAYLOAD_TOO_LARGE]: MessagingErrorCode.RESOURCE_EXHAUSTED,
  [HttpStatus.NOT_IMPLEMENTED]: MessagingErrorCode.UNIMPLEMENTED,
  [HttpStatus.SERVICE_UNAVAILABLE]: MessagingErrorCode.UNAVAILABLE,
  [HttpStatus.GATEWAY_TIMEOUT]: MessagingErrorCode.DEADLINE_EXCEEDED,
};

/** What Nest's guards throw in RPC context when they refuse. */
const FORBIDDEN = 'Forbidden resource';

/** The result of {@link toWireError}: what to send, and whether it was unexpected (to be logged). */
export interface WireFailure {
  /** What the caller receives in `err`. */
  readonly payload: WireError | unknown;
  /** True for errors the handler did not mean to raise (a bug): log them. */
  readonly unexpected: boolean;
}

/**
 * Maps whatever a handler threw to what the caller receives:
 * - a MessagingError (a contract violation, an unsupported version, a failed downstream call) keeps its code;
 * - an HttpException maps by status (404 -> NOT_FOUND, 400 -> INVALID_ARGUMENT, ...);
 * - an RpcException passes through unchanged, as in plain Nest (a refused guard becomes PERMISSION_DENIED);
 * - anything else is INTERNAL, without its message or stack unless `exposeErrors`.
 */
export function toWireError(exception: unknown, ctx: FailureContext): WireFailure {
  const base = { pattern: ctx.pattern, correlationId: ctx.correlationId };
  if (exception instanceof MessagingError) {
    const details = (exception as { details?: unknown }).details;
    return {
      payload: clean({ code: exception.code, message: exception.message, details, retryable: exception.retryable, ...base }),
      unexpected: false,
    };
  }
  if (exception instanceof RpcException) {
    const error = exception.getError();
    if (error === FORBIDDEN) {
      return {
        payload: clean({ code: MessagingErrorCode.PERMISSION_DENIED, message: FORBIDDEN, retryable: false, ...base }),
        unexpected: false,
      };
    }
    return { payload: typeof error === 'object' && error !== null ? error : { status: 'error', message: error }, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_TO_CODE[status] ?? (status >= 500 ? MessagingErrorCode.INTERNAL : MessagingErrorCode.FAILED_PRECONDITION);
    const response = exception.getResponse();
    const detail = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : undefined;
    const internal = code === MessagingErrorCode.INTERNAL;
    return {
      payload: clean({
        code,
        message: internal && !ctx.exposeErrors ? 'Internal server error' : exception.message,
        details: Array.isArray(detail) ? { messages: detail } : undefined,
        retryable: code === MessagingErrorCode.UNAVAILABLE,
        ...base,
      }),
      unexpected: internal,
    };
  }
  const err = exception instanceof Error ? exception : undefined;
  return {
    payload: clean({
      code: MessagingErrorCode.INTERNAL,
      message: 'Internal server error',
      details: ctx.exposeErrors ? { name: err?.name, message: err?.message ?? String(exception), stack: err?.stack } : undefined,
      retryable: false,
      ...base,
    }),
    unexpected: true,
  };
}

function clean(error: { [K in keyof WireError]: WireError[K] | undefined }): WireError {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(error)) if (v !== undefined) out[k] = v;
  return out as unknown as WireError;
}
