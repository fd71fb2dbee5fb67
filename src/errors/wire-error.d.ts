import { MessagingErrorCode } from './error-codes';
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
export declare function toWireError(exception: unknown, ctx: FailureContext): WireFailure;
