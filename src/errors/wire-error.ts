import { HttpException, HttpStatus } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { MessagingErrorCode } from './error-codes';
import { MessagingError, MessagingRemoteError } from './messaging.errors';

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

/** Codes whose remote message is meant for the caller (it may cross a hop, and reach an HTTP body). @internal */
export const CALLER_FACING_CODES: ReadonlySet<MessagingErrorCode> = new Set<MessagingErrorCode>([
  MessagingErrorCode.NOT_FOUND,
  MessagingErrorCode.ALREADY_EXISTS,
  MessagingErrorCode.PERMISSION_DENIED,
  MessagingErrorCode.UNAUTHENTICATED,
  MessagingErrorCode.FAILED_PRECONDITION,
]);

/** Codes a downstream peer answers when what WE sent was wrong: at our boundary, our own fault. */
const OUR_REQUEST_WAS_WRONG: ReadonlySet<MessagingErrorCode> = new Set<MessagingErrorCode>([
  MessagingErrorCode.INVALID_ARGUMENT,
  MessagingErrorCode.UNSUPPORTED_VERSION,
  MessagingErrorCode.UNIMPLEMENTED,
]);

const DOWNSTREAM_MESSAGES: Readonly<Partial<Record<MessagingErrorCode, string>>> = {
  DEADLINE_EXCEEDED: 'A downstream call ran out of time',
  UNAVAILABLE: 'A downstream service is unavailable',
  RESOURCE_EXHAUSTED: 'A downstream service is overloaded',
  INTERNAL: 'Internal server error',
  UNKNOWN: 'A downstream service failed',
};

/** A failed downstream call, as it is reported beyond this hop. @internal */
export interface DownstreamFailure {
  readonly code: MessagingErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

/**
 * What a failed call of this service's own MessagingClient becomes at the
 * boundary of this hop (a handler's reply, an HTTP response): only the
 * downstream peer's caller-facing answers keep their code and message (a
 * NOT_FOUND, a PERMISSION_DENIED...); a downstream INVALID_ARGUMENT,
 * UNSUPPORTED_VERSION or UNIMPLEMENTED, a payload our own client refused, or
 * a reply that broke its contract are this service's fault (INTERNAL); a
 * downstream that cannot be reached is UNAVAILABLE. No downstream host,
 * port, pattern, client name or field name crosses. The caller does not
 * retry: the client that made the call retried already (one layer retries).
 * @internal
 */
export function classifyDownstream(error: MessagingError): DownstreamFailure {
  let code = error.code;
  if (OUR_REQUEST_WAS_WRONG.has(code)) code = MessagingErrorCode.INTERNAL;
  if (code === MessagingErrorCode.CANCELLED) code = MessagingErrorCode.UNAVAILABLE;
  const remote = error instanceof MessagingRemoteError ? (error.remote as { message?: unknown } | null) : undefined;
  if (remote && CALLER_FACING_CODES.has(code)) {
    const message = typeof remote.message === 'string' ? remote.message : 'The request failed';
    return { code, message, details: error instanceof MessagingRemoteError ? error.details : undefined };
  }
  return { code, message: DOWNSTREAM_MESSAGES[code] ?? DOWNSTREAM_MESSAGES.UNKNOWN! };
}

/** Whether `error` is the failure of a call made by one of this process's MessagingClients. @internal */
export function isDownstreamFailure(error: unknown): error is MessagingError {
  return error instanceof MessagingError && error.client !== undefined;
}

/**
 * Maps whatever a handler threw to what the caller receives:
 * - a failed call of one of the service's own clients is re-classified at
 *   this boundary (see `classifyDownstream`): the peer's caller-facing answers
 *   pass, our own faults become INTERNAL, an unreachable downstream
 *   UNAVAILABLE; not retryable; nothing internal crosses (`exposeErrors` puts
 *   the original message in `details.downstream`);
 * - any other MessagingError (a contract violation, an unsupported version) keeps its code;
 * - an HttpException maps by status (404 -> NOT_FOUND, 400 -> INVALID_ARGUMENT, ...);
 * - an RpcException passes through unchanged, as in plain Nest, except that
 *   the text `'Forbidden resource'` (what Nest's guards throw when they refuse)
 *   becomes PERMISSION_DENIED;
 * - anything else is INTERNAL, without its message or stack unless `exposeErrors`.
 */
export function toWireError(exception: unknown, ctx: FailureContext): WireFailure {
  const base = { pattern: ctx.pattern, correlationId: ctx.correlationId };
  if (isDownstreamFailure(exception)) {
    const failure = classifyDownstream(exception);
    const downstream = ctx.exposeErrors ? { downstream: { name: exception.name, message: exception.message } } : undefined;
    const details =
      downstream === undefined
        ? failure.details
        : failure.details !== null && typeof failure.details === 'object'
          ? { ...failure.details, ...downstream }
          : downstream;
    return {
      payload: clean({ code: failure.code, message: failure.message, details, retryable: false, ...base }),
      unexpected: failure.code === MessagingErrorCode.INTERNAL,
    };
  }
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
