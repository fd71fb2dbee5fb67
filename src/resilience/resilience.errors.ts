import { MessagingErrorCode } from '../errors/error-codes';
import { describePattern, MessagingError, type MessagingErrorFields } from '../errors/messaging.errors';

/**
 * The client's circuit breaker is open: recent attempts failed, so the call is
 * refused at once instead of adding load to a failing peer (code UNAVAILABLE).
 *
 * Not retryable by the call's own retry loop: the circuit stays open for
 * `retryAfter` milliseconds, longer than a call's backoff, so retrying at once
 * would only fail again. A caller further up may try again after `retryAfter`.
 */
export class MessagingCircuitOpenError extends MessagingError {
  override name = 'MessagingCircuitOpenError';
  constructor(
    /** Milliseconds until the breaker lets a trial call through (0: a trial call is running now). */
    readonly retryAfter: number,
    /** Whether the breaker is held open by hand (`isolate()`), not by failures. */
    readonly isolated: boolean,
    fields: MessagingErrorFields = {},
  ) {
    super(
      `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' was not sent: the circuit breaker is open` +
        (isolated
          ? ' (isolated by hand)'
          : ` after repeated failures; ${retryAfter > 0 ? `a trial call is allowed in ${retryAfter} ms` : 'a trial call is running'}`),
      MessagingErrorCode.UNAVAILABLE,
      false,
      fields,
    );
  }
}

/**
 * The client's concurrency limit (bulkhead) is reached: `maxConcurrent` calls are
 * in flight and `maxQueued` wait already (code RESOURCE_EXHAUSTED, not retryable:
 * retrying at once adds to the overload).
 */
export class MessagingBulkheadRejectedError extends MessagingError {
  override name = 'MessagingBulkheadRejectedError';
  constructor(
    /** The client's `bulkhead.maxConcurrent`. */
    readonly maxConcurrent: number,
    /** The client's `bulkhead.maxQueued`. */
    readonly maxQueued: number,
    fields: MessagingErrorFields = {},
  ) {
    super(
      `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' was refused: ${maxConcurrent} calls in flight and ` +
        `${maxQueued} queued (bulkhead); slow down, or raise resilience.bulkhead.maxConcurrent / maxQueued`,
      MessagingErrorCode.RESOURCE_EXHAUSTED,
      false,
      fields,
    );
  }
}
