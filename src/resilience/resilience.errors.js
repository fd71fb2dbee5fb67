"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingPayloadTooLargeError = exports.MessagingBulkheadRejectedError = exports.MessagingCircuitOpenError = void 0;
const error_codes_1 = require("../errors/error-codes");
const messaging_errors_1 = require("../errors/messaging.errors");
/**
 * The client's circuit breaker is open: recent attempts failed, so the call is
 * refused at once instead of adding load to a failing peer (code UNAVAILABLE).
 *
 * Not retryable by the call's own retry loop: the circuit stays open for
 * `retryAfter` milliseconds, longer than a call's backoff, so retrying at once
 * would only fail again. A caller further up may try again after `retryAfter`.
 */
class MessagingCircuitOpenError extends messaging_errors_1.MessagingError {
    retryAfter;
    isolated;
    name = 'MessagingCircuitOpenError';
    constructor(
    /** Milliseconds until the breaker lets a trial call through (0: a trial call is running now). */
    retryAfter, 
    /** Whether the breaker is held open by hand (`isolate()`), not by failures. */
    isolated, fields = {}) {
        super(`${(0, messaging_errors_1.describePattern)(fields.pattern)} on client '${fields.client ?? '?'}' was not sent: the circuit breaker is open` +
            (isolated
                ? ' (isolated by hand)'
                : ` after repeated failures; ${retryAfter > 0 ? `a trial call is allowed in ${retryAfter} ms` : 'a trial call is running'}`), error_codes_1.MessagingErrorCode.UNAVAILABLE, false, fields);
        this.retryAfter = retryAfter;
        this.isolated = isolated;
    }
}
exports.MessagingCircuitOpenError = MessagingCircuitOpenError;
/**
 * The client's concurrency limit (bulkhead) is reached: `maxConcurrent` calls are
 * in flight and `maxQueued` wait already (code RESOURCE_EXHAUSTED, not retryable:
 * retrying at once adds to the overload).
 */
class MessagingBulkheadRejectedError extends messaging_errors_1.MessagingError {
    maxConcurrent;
    maxQueued;
    name = 'MessagingBulkheadRejectedError';
    constructor(
    /** The client's `bulkhead.maxConcurrent`. */
    maxConcurrent, 
    /** The client's `bulkhead.maxQueued`. */
    maxQueued, fields = {}) {
        super(`${(0, messaging_errors_1.describePattern)(fields.pattern)} on client '${fields.client ?? '?'}' was refused: ${maxConcurrent} calls in flight and ` +
            `${maxQueued} queued (bulkhead); slow down, or raise resilience.bulkhead.maxConcurrent / maxQueued`, error_codes_1.MessagingErrorCode.RESOURCE_EXHAUSTED, false, fields);
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
    }
}
exports.MessagingBulkheadRejectedError = MessagingBulkheadRejectedError;
/**
 * A payload is larger than the configured maximum (code RESOURCE_EXHAUSTED, not
 * retryable). Raised by the client before sending (`maxPayloadSize` in the call
 * policy) and by handlers on receipt (`maxPayloadSize` in the handler options).
 */
class MessagingPayloadTooLargeError extends messaging_errors_1.MessagingError {
    size;
    limit;
    name = 'MessagingPayloadTooLargeError';
    /** `{ size, limit }` in bytes of UTF-8 JSON: on the wire in a handler's error reply. */
    details;
    constructor(
    /** Size of the payload as UTF-8 JSON, in bytes. */
    size, 
    /** The limit, in bytes. */
    limit, where, fields = {}) {
        super(`the payload of ${(0, messaging_errors_1.describePattern)(fields.pattern)} is ${size} bytes of JSON, above the ${where}'s limit of ${limit} bytes ` +
            `(maxPayloadSize): send less (e.g. a reference to the data), or raise ${where === 'client' ? "the call policy's" : "the handler's"} maxPayloadSize`, error_codes_1.MessagingErrorCode.RESOURCE_EXHAUSTED, false, fields);
        this.size = size;
        this.limit = limit;
        this.details = { size, limit };
    }
}
exports.MessagingPayloadTooLargeError = MessagingPayloadTooLargeError;
