"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingErrorCode = void 0;
exports.isMessagingErrorCode = isMessagingErrorCode;
/**
 * The codes of the library's error model, on the wire and on the error classes.
 * Modelled on gRPC's status codes, which most teams already know.
 */
exports.MessagingErrorCode = {
    /** The payload or metadata is invalid (validation failed). Not retryable. */
    INVALID_ARGUMENT: 'INVALID_ARGUMENT',
    /** The thing asked for does not exist. Not retryable. */
    NOT_FOUND: 'NOT_FOUND',
    /** It exists already. Not retryable. */
    ALREADY_EXISTS: 'ALREADY_EXISTS',
    /** The caller is not allowed to do this (a guard refused). Not retryable. */
    PERMISSION_DENIED: 'PERMISSION_DENIED',
    /** The caller is not authenticated. Not retryable. */
    UNAUTHENTICATED: 'UNAUTHENTICATED',
    /** The system is not in a state that allows this. Not retryable. */
    FAILED_PRECONDITION: 'FAILED_PRECONDITION',
    /** The payload's contract version is not one the handler supports. Not retryable. */
    UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
    /** The call's time budget ran out. */
    DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
    /** The peer or broker cannot be reached, or the connection broke. Retryable. */
    UNAVAILABLE: 'UNAVAILABLE',
    /** A limit was hit (too many calls in flight, a payload too large). */
    RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
    /** No handler for the pattern on the remote side. Not retryable. */
    UNIMPLEMENTED: 'UNIMPLEMENTED',
    /** The call was cancelled (its client closed). */
    CANCELLED: 'CANCELLED',
    /** A bug or an unexpected failure. Not retryable. */
    INTERNAL: 'INTERNAL',
    /** The remote side sent an error that is not in this model (a plain Nest handler). */
    UNKNOWN: 'UNKNOWN',
};
const CODES = new Set(Object.values(exports.MessagingErrorCode));
/** Whether `value` is one of the library's error codes. */
function isMessagingErrorCode(value) {
    return typeof value === 'string' && CODES.has(value);
}
