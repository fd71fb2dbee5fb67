import { MessagingErrorCode } from './error-codes';
/** A pattern as given to `send()`/`emit()`: a string or an object such as `{ cmd: 'get_user' }`. */
export type MessagePattern = string | Record<string, unknown>;
/** One step of a failed call, in {@link MessagingError.timeline}. */
export interface CallTimelineEntry {
    /** Milliseconds since the call started. */
    readonly at: number;
    /** What happened. */
    readonly event: 'attempt' | 'failed' | 'backoff' | 'timeout' | 'closed';
    /** The attempt it concerns (1-based; 0 before any). */
    readonly attempt: number;
    /** For `failed`: the attempt's error code. */
    readonly code?: MessagingErrorCode;
    /** For `backoff`: the wait before the next attempt, in ms. */
    readonly delay?: number;
    /** For `attempt`: what was left of the call's budget, in ms. */
    readonly budgetLeft?: number;
}
/** Fields every {@link MessagingError} may carry. */
export interface MessagingErrorFields {
    /** Pattern of the call. */
    readonly pattern?: MessagePattern;
    /** Name of the MessagingClient that made the call. */
    readonly client?: string;
    /** Correlation id of the call. */
    readonly correlationId?: string;
    /** Message id of the call. */
    readonly messageId?: string;
    /** The error behind this one. */
    readonly cause?: unknown;
}
/**
 * Base class of every error the library raises. `code` is one of
 * {@link MessagingErrorCode}; `retryable` tells the retry policy whether
 * another attempt may succeed.
 */
export declare class MessagingError extends Error {
    /** What kind of failure this is. */
    readonly code: MessagingErrorCode;
    /** Whether retrying the same call may succeed. */
    readonly retryable: boolean;
    name: string;
    /** Pattern of the call, when there was one. */
    readonly pattern?: MessagePattern;
    /** Name of the client that made the call. */
    readonly client?: string;
    /** Correlation id of the call. */
    readonly correlationId?: string;
    /** Message id of the call. */
    readonly messageId?: string;
    /**
     * For an error that ended a MessagingClient call: what happened, step by
     * step (attempts, their failures, backoffs, the timeout).
     */
    readonly timeline?: readonly CallTimelineEntry[];
    constructor(message: string, 
    /** What kind of failure this is. */
    code: MessagingErrorCode, 
    /** Whether retrying the same call may succeed. */
    retryable: boolean, fields?: MessagingErrorFields);
}
/** The pattern as text, for error messages and logs. */
export declare function describePattern(pattern: MessagePattern | undefined): string;
/**
 * The call's time budget ran out (code DEADLINE_EXCEEDED). Nest's pending
 * request entry has been released by then: a late reply is dropped.
 */
export declare class MessagingTimeoutError extends MessagingError {
    /** The budget, in milliseconds. */
    readonly timeout: number;
    /** Milliseconds from the call to this error. */
    readonly elapsed: number;
    /** How many attempts were started. */
    readonly attempts: number;
    /** The error of each failed attempt before the budget ran out, in order. */
    readonly attemptErrors: readonly Error[];
    /** Whether the budget was the per-attempt budget (`attemptTimeout`) rather than the whole call's. */
    readonly perAttempt: boolean;
    /**
     * Whether the budget was cut to what was left of the deadline of the
     * message being handled (or of the HTTP request being served).
     */
    readonly inheritedDeadline: boolean;
    name: string;
    constructor(
    /** The budget, in milliseconds. */
    timeout: number, 
    /** Milliseconds from the call to this error. */
    elapsed: number, 
    /** How many attempts were started. */
    attempts: number, 
    /** The error of each failed attempt before the budget ran out, in order. */
    attemptErrors: readonly Error[], fields?: MessagingErrorFields, 
    /** Whether the budget was the per-attempt budget (`attemptTimeout`) rather than the whole call's. */
    perAttempt?: boolean, 
    /**
     * Whether the budget was cut to what was left of the deadline of the
     * message being handled (or of the HTTP request being served).
     */
    inheritedDeadline?: boolean);
}
/**
 * The peer or broker could not be reached, or the connection broke during the
 * call (code UNAVAILABLE, retryable). `cause` holds the transport's error.
 */
export declare class MessagingConnectionError extends MessagingError {
    name: string;
    constructor(message: string, fields?: MessagingErrorFields);
}
/**
 * The client was closed (application shutdown) while the call was pending, or
 * the call was made after it closed (code CANCELLED, not retryable).
 */
export declare class MessagingClientClosedError extends MessagingError {
    name: string;
    constructor(fields?: MessagingErrorFields);
}
/** Fields of an error the remote side sent. */
export interface RemoteErrorFields extends MessagingErrorFields {
    /** Structured details the remote sent (e.g. validation errors per field). */
    readonly details?: unknown;
}
/**
 * The remote handler failed. `remote` is exactly what it sent (for a plain Nest
 * handler, e.g. `{ status: 'error', message: 'Internal server error' }`);
 * `code` and `retryable` come from the remote's structured error when it sent one.
 */
export declare class MessagingRemoteError extends MessagingError {
    /** What the remote side sent, unchanged. */
    readonly remote: unknown;
    name: string;
    /** Structured details sent by the remote side. */
    readonly details?: unknown;
    constructor(message: string, code: MessagingErrorCode, retryable: boolean, 
    /** What the remote side sent, unchanged. */
    remote: unknown, fields?: RemoteErrorFields);
}
/**
 * Every attempt of a retried call failed with a retryable error and no attempt
 * is left. `attemptErrors` holds each attempt's error; `code` and `retryable`
 * are the last one's.
 */
export declare class MessagingRetriesExhaustedError extends MessagingError {
    /** The error of each attempt, in order. */
    readonly attemptErrors: readonly MessagingError[];
    name: string;
    constructor(
    /** The error of each attempt, in order. */
    attemptErrors: readonly MessagingError[], fields?: MessagingErrorFields);
    /** How many attempts were made. */
    get attempts(): number;
}
/** Metadata given by the application breaks the wire format's rules (code INVALID_ARGUMENT). */
export declare class InvalidMetadataError extends MessagingError {
    name: string;
    constructor(message: string);
}
/** The module's options are wrong; the message says what to do. */
export declare class MessagingConfigurationError extends Error {
    name: string;
}
