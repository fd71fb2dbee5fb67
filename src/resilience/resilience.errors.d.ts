import { MessagingError, type MessagingErrorFields } from '../errors/messaging.errors';
/**
 * The client's circuit breaker is open: recent attempts failed, so the call is
 * refused at once instead of adding load to a failing peer (code UNAVAILABLE).
 *
 * Not retryable by the call's own retry loop: the circuit stays open for
 * `retryAfter` milliseconds, longer than a call's backoff, so retrying at once
 * would only fail again. A caller further up may try again after `retryAfter`.
 */
export declare class MessagingCircuitOpenError extends MessagingError {
    /** Milliseconds until the breaker lets a trial call through (0: a trial call is running now). */
    readonly retryAfter: number;
    /** Whether the breaker is held open by hand (`isolate()`), not by failures. */
    readonly isolated: boolean;
    name: string;
    constructor(
    /** Milliseconds until the breaker lets a trial call through (0: a trial call is running now). */
    retryAfter: number, 
    /** Whether the breaker is held open by hand (`isolate()`), not by failures. */
    isolated: boolean, fields?: MessagingErrorFields);
}
/**
 * The client's concurrency limit (bulkhead) is reached: `maxConcurrent` calls are
 * in flight and `maxQueued` wait already (code RESOURCE_EXHAUSTED, not retryable:
 * retrying at once adds to the overload).
 */
export declare class MessagingBulkheadRejectedError extends MessagingError {
    /** The client's `bulkhead.maxConcurrent`. */
    readonly maxConcurrent: number;
    /** The client's `bulkhead.maxQueued`. */
    readonly maxQueued: number;
    name: string;
    constructor(
    /** The client's `bulkhead.maxConcurrent`. */
    maxConcurrent: number, 
    /** The client's `bulkhead.maxQueued`. */
    maxQueued: number, fields?: MessagingErrorFields);
}
/**
 * A payload is larger than the configured maximum (code RESOURCE_EXHAUSTED, not
 * retryable). Raised by the client before sending (`maxPayloadSize` in the call
 * policy) and by handlers on receipt (`maxPayloadSize` in the handler options).
 */
export declare class MessagingPayloadTooLargeError extends MessagingError {
    /** Size of the payload as UTF-8 JSON, in bytes. */
    readonly size: number;
    /** The limit, in bytes. */
    readonly limit: number;
    name: string;
    /** `{ size, limit }` in bytes of UTF-8 JSON: on the wire in a handler's error reply. */
    readonly details: {
        readonly size: number;
        readonly limit: number;
    };
    constructor(
    /** Size of the payload as UTF-8 JSON, in bytes. */
    size: number, 
    /** The limit, in bytes. */
    limit: number, where: 'client' | 'handler', fields?: MessagingErrorFields);
}
