import { MessagingErrorCode } from '../errors/error-codes';
import type { MessagePattern, MessagingError, MessagingErrorFields } from '../errors/messaging.errors';
import { Bulkhead, type BulkheadTicket } from './bulkhead';
import { MessagingCircuitBreaker, type CircuitStateName } from './circuit-breaker';
import { MessagingBulkheadRejectedError, type MessagingCircuitOpenError } from './resilience.errors';
import type { ClientResilienceOptions } from './resilience.options';
import { RetryBudget } from './retry-budget';

/**
 * What a client's resilience policies look like now (for health checks,
 * dashboards and tests).
 */
export interface ResilienceSnapshot {
  /** State of the circuit (the worst one for a per-pattern breaker); `'none'` without a breaker. */
  readonly circuit: CircuitStateName | 'none';
  /** Patterns whose circuit is not closed (per-pattern breakers). */
  readonly openPatterns: readonly string[];
  /** Calls holding a bulkhead slot (`undefined` without a bulkhead). */
  readonly inFlight?: number;
  /** Calls waiting for a bulkhead slot (`undefined` without a bulkhead). */
  readonly queued?: number;
  /** Tokens left in the retry budget (`undefined` without one). */
  readonly retryTokens?: number;
}

/**
 * Records how one attempt ended: the error it failed with, or `undefined` for
 * success; `'cancelled'` when it neither succeeded nor failed (the caller
 * unsubscribed, the client closed).
 * @internal
 */
export type AttemptRecorder = (outcome: MessagingError | undefined | 'cancelled') => void;

const noop = () => undefined;

/**
 * The circuit breaker, bulkhead and retry budget of one MessagingClient, built
 * from its `resilience` options. The client calls it at three points: when a
 * call starts (bulkhead), before each attempt (circuit), and when deciding to
 * retry (budget).
 */
export class ClientResilience {
  /** The circuit breaker, when configured. */
  readonly breaker?: MessagingCircuitBreaker;
  private readonly bulkhead?: Bulkhead;
  private readonly budget?: RetryBudget;

  constructor(options: ClientResilienceOptions) {
    if (options.circuitBreaker) this.breaker = new MessagingCircuitBreaker(options.circuitBreaker);
    if (options.bulkhead) this.bulkhead = new Bulkhead(options.bulkhead.maxConcurrent, options.bulkhead.maxQueued ?? 0);
    if (options.retryBudget) {
      this.budget = new RetryBudget(options.retryBudget.maxTokens ?? 10, options.retryBudget.tokenRatio ?? 0.1);
    }
  }

  /**
   * Admits a call through the bulkhead: runs `start` now or when a slot frees
   * up. Without a bulkhead, runs it now.
   * @returns the ticket to leave when the call ends, or the rejection.
   * @internal
   */
  admit(start: () => void, fields: MessagingErrorFields): BulkheadTicket | MessagingBulkheadRejectedError {
    if (!this.bulkhead) {
      start();
      return NO_TICKET;
    }
    return (
      this.bulkhead.enter(start) ?? new MessagingBulkheadRejectedError(this.bulkhead.maxConcurrent, this.bulkhead.maxQueued, fields)
    );
  }

  /**
   * Asks the circuit to admit an attempt.
   * @returns the recorder to call when the attempt ends, or the error to fail the call with.
   * @internal
   */
  beginAttempt(pattern: MessagePattern, fields: MessagingErrorFields): AttemptRecorder | MessagingCircuitOpenError {
    if (!this.breaker && !this.budget) return noop;
    let settle: ((failed: boolean | undefined) => void) | undefined;
    if (this.breaker) {
      const entered = this.breaker.enter(pattern, fields);
      if (typeof entered !== 'function') return entered;
      settle = entered;
    }
    const budget = this.budget;
    let recorded = false;
    return (outcome) => {
      if (recorded) return;
      recorded = true;
      const failed = outcome === 'cancelled' || (outcome !== undefined && outcome.code === MessagingErrorCode.CANCELLED)
        ? undefined
        : outcome !== undefined && (outcome.retryable || outcome.code === MessagingErrorCode.DEADLINE_EXCEEDED);
      settle?.(failed);
      if (failed === true) budget?.onFailure();
      else if (failed === false) budget?.onSuccess();
    };
  }

  /**
   * Calls `listener` each time the circuit (one of them, for a per-pattern
   * breaker) opens. Without a breaker, never.
   * @returns a function that removes the listener.
   */
  onCircuitOpen(listener: () => void): () => void {
    return this.breaker ? this.breaker.onOpen(listener) : noop;
  }

  /** Whether the retry budget allows a retry now (always, without a budget). @internal */
  canRetry(): boolean {
    return this.budget ? this.budget.canRetry() : true;
  }

  /** The current state of the policies. */
  snapshot(): ResilienceSnapshot {
    return {
      circuit: this.breaker ? this.breaker.state() : 'none',
      openPatterns: this.breaker ? this.breaker.openPatterns() : [],
      inFlight: this.bulkhead?.inFlight,
      queued: this.bulkhead?.queued,
      retryTokens: this.budget?.available,
    };
  }
}

const NO_TICKET: BulkheadTicket = { leave: noop };
