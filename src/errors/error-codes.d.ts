/**
 * The codes of the library's error model, on the wire and on the error classes.
 * Modelled on gRPC's status codes, which most teams already know.
 */
export declare const MessagingErrorCode: {
    /** The payload or metadata is invalid (validation failed). Not retryable. */
    readonly INVALID_ARGUMENT: "INVALID_ARGUMENT";
    /** The thing asked for does not exist. Not retryable. */
    readonly NOT_FOUND: "NOT_FOUND";
    /** It exists already. Not retryable. */
    readonly ALREADY_EXISTS: "ALREADY_EXISTS";
    /** The caller is not allowed to do this (a guard refused). Not retryable. */
    readonly PERMISSION_DENIED: "PERMISSION_DENIED";
    /** The caller is not authenticated. Not retryable. */
    readonly UNAUTHENTICATED: "UNAUTHENTICATED";
    /** The system is not in a state that allows this. Not retryable. */
    readonly FAILED_PRECONDITION: "FAILED_PRECONDITION";
    /** The payload's contract version is not one the handler supports. Not retryable. */
    readonly UNSUPPORTED_VERSION: "UNSUPPORTED_VERSION";
    /** The call's time budget ran out. */
    readonly DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED";
    /** The peer or broker cannot be reached, or the connection broke. Retryable. */
    readonly UNAVAILABLE: "UNAVAILABLE";
    /** A limit was hit (too many calls in flight, a payload too large). */
    readonly RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED";
    /** No handler for the pattern on the remote side. Not retryable. */
    readonly UNIMPLEMENTED: "UNIMPLEMENTED";
    /** The call was cancelled (its client closed). */
    readonly CANCELLED: "CANCELLED";
    /** A bug or an unexpected failure. Not retryable. */
    readonly INTERNAL: "INTERNAL";
    /** The remote side sent an error that is not in this model (a plain Nest handler). */
    readonly UNKNOWN: "UNKNOWN";
};
/** One of {@link MessagingErrorCode}'s values. */
export type MessagingErrorCode = (typeof MessagingErrorCode)[keyof typeof MessagingErrorCode];
/** Whether `value` is one of the library's error codes. */
export declare function isMessagingErrorCode(value: unknown): value is MessagingErrorCode;
