"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingConfigurationError = exports.InvalidMetadataError = exports.MessagingRetriesExhaustedError = exports.MessagingRemoteError = exports.MessagingClientClosedError = exports.MessagingConnectionError = exports.MessagingTimeoutError = exports.MessagingError = void 0;
exports.describePattern = describePattern;
const error_codes_1 = require("./error-codes");
/**
 * Base class of every error the library raises. `code` is one of
 * {@link MessagingErrorCode}; `retryable` tells the retry policy whether
 * another attempt may succeed.
 */
class MessagingError extends Error {
    code;
    retryable;
    name = 'MessagingError';
    /** Pattern of the call, when there was one. */
    pattern;
    /** Name of the client that made the call. */
    client;
    /** Correlation id of the call. */
    correlationId;
    /** Message id of the call. */
    messageId;
    /**
     * For an error that ended a MessagingClient call: what happened, step by
     * step (attempts, their failures, backoffs, the timeout).
     */
    timeline;
    constructor(message, 
    /** What kind of failure this is. */
    code, 
    /** Whether retrying the same call may succeed. */
    retryable, fields = {}) {
        super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
        this.code = code;
        this.retryable = retryable;
        this.pattern = fields.pattern;
        this.client = fields.client;
        this.correlationId = fields.correlationId;
        this.messageId = fields.messageId;
    }
}
exports.MessagingError = MessagingError;
/** The pattern as text, for error messages and logs. */
function describePattern(pattern) {
    if (pattern === undefined)
        return '(none)';
    return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}
/**
 * The call's time budget ran out (code DEADLINE_EXCEEDED). Nest's pending
 * request entry has been released by then: a late reply is dropped.
 */
class MessagingTimeoutError extends MessagingError {
    timeout;
    elapsed;
    attempts;
    attemptErrors;
    perAttempt;
    inheritedDeadline;
    name = 'MessagingTimeoutError';
    constructor(
    /** The budget, in milliseconds. */
    timeout, 
    /** Milliseconds from the call to this error. */
    elapsed, 
    /** How many attempts were started. */
    attempts, 
    /** The error of each failed attempt before the budget ran out, in order. */
    attemptErrors, fields = {}, 
    /** Whether the budget was the per-attempt budget (`attemptTimeout`) rather than the whole call's. */
    perAttempt = false, 
    /**
     * Whether the budget was cut to what was left of the deadline of the
     * message being handled (or of the HTTP request being served).
     */
    inheritedDeadline = false) {
        super(attempts === 0
            ? `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' was not sent: the deadline of the work it belongs to has passed`
            : `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' timed out after ${elapsed} ms ` +
                `(${perAttempt ? 'attempt ' : ''}budget ${timeout} ms${inheritedDeadline ? ', limited by the inherited deadline' : ''}, ` +
                `${attempts} attempt${attempts === 1 ? '' : 's'})`, error_codes_1.MessagingErrorCode.DEADLINE_EXCEEDED, perAttempt, fields);
        this.timeout = timeout;
        this.elapsed = elapsed;
        this.attempts = attempts;
        this.attemptErrors = attemptErrors;
        this.perAttempt = perAttempt;
        this.inheritedDeadline = inheritedDeadline;
    }
}
exports.MessagingTimeoutError = MessagingTimeoutError;
/**
 * The peer or broker could not be reached, or the connection broke during the
 * call (code UNAVAILABLE, retryable). `cause` holds the transport's error.
 */
class MessagingConnectionError extends MessagingError {
    name = 'MessagingConnectionError';
    constructor(message, fields = {}) {
        super(message, error_codes_1.MessagingErrorCode.UNAVAILABLE, true, fields);
    }
}
exports.MessagingConnectionError = MessagingConnectionError;
/**
 * The client was closed (application shutdown) while the call was pending, or
 * the call was made after it closed (code CANCELLED, not retryable).
 */
class MessagingClientClosedError extends MessagingError {
    name = 'MessagingClientClosedError';
    constructor(fields = {}) {
        super(`client '${fields.client ?? '?'}' was closed while ${describePattern(fields.pattern)} was pending`, error_codes_1.MessagingErrorCode.CANCELLED, false, fields);
    }
}
exports.MessagingClientClosedError = MessagingClientClosedError;
/**
 * The remote handler failed. `remote` is exactly what it sent (for a plain Nest
 * handler, e.g. `{ status: 'error', message: 'Internal server error' }`);
 * `code` and `retryable` come from the remote's structured error when it sent one.
 */
class MessagingRemoteError extends MessagingError {
    remote;
    name = 'MessagingRemoteError';
    /** Structured details sent by the remote side. */
    details;
    constructor(message, code, retryable, 
    /** What the remote side sent, unchanged. */
    remote, fields = {}) {
        super(message, code, retryable, fields);
        this.remote = remote;
        this.details = fields.details;
    }
}
exports.MessagingRemoteError = MessagingRemoteError;
/**
 * Every attempt of a retried call failed with a retryable error and no attempt
 * is left. `attemptErrors` holds each attempt's error; `code` and `retryable`
 * are the last one's.
 */
class MessagingRetriesExhaustedError extends MessagingError {
    attemptErrors;
    name = 'MessagingRetriesExhaustedError';
    constructor(
    /** The error of each attempt, in order. */
    attemptErrors, fields = {}) {
        const last = attemptErrors[attemptErrors.length - 1];
        super(`${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' failed after ${attemptErrors.length} attempts: ${last.message}`, last.code, last.retryable, { ...fields, cause: last });
        this.attemptErrors = attemptErrors;
    }
    /** How many attempts were made. */
    get attempts() {
        return this.attemptErrors.length;
    }
}
exports.MessagingRetriesExhaustedError = MessagingRetriesExhaustedError;
/** Metadata given by the application breaks the wire format's rules (code INVALID_ARGUMENT). */
class InvalidMetadataError extends MessagingError {
    name = 'InvalidMetadataError';
    constructor(message) {
        super(message, error_codes_1.MessagingErrorCode.INVALID_ARGUMENT, false);
    }
}
exports.InvalidMetadataError = InvalidMetadataError;
/** The module's options are wrong; the message says what to do. */
class MessagingConfigurationError extends Error {
    name = 'MessagingConfigurationError';
}
exports.MessagingConfigurationError = MessagingConfigurationError;
