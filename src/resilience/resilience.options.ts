/**
 * Circuit breaker of a client. After too many failed attempts the circuit
 * opens: calls fail at once with `MessagingCircuitOpenError` (UNAVAILABLE)
 * instead of waiting on a failing peer. After `halfOpenAfter` one trial call
 * goes through: its success closes the circuit, its failure opens it again.
 *
 * A failure is an attempt that failed with a retryable error (connection
 * lost or refused, attempt timeout, a remote error marked retryable) or ran out
 * of its call's time budget. Business errors (NOT_FOUND, INVALID_ARGUMENT...)
 * count as successes: the peer answered.
 *
 * Give `consecutiveFailures` or `failureRate`; with neither, the circuit opens
 * after 5 consecutive failures.
 */
export interface CircuitBreakerOptions {
  /** Open after this many failed attempts in a row. */
  consecutiveFailures?: number;
  /** Open when this share of attempts failed within a sliding window. */
  failureRate?: {
    /** Share of failed attempts, above 0 and at most 1 (0.5: half of them). */
    threshold: number;
    /**
     * Length of the sliding window, in milliseconds.
     * @default 30000
     */
    window?: number;
    /**
     * Fewest attempts in the window before the share is considered (so that
     * 1 failure out of 1 does not open the circuit).
     * @default 10
     */
    minimumAttempts?: number;
  };
  /**
   * Milliseconds the circuit stays open before a trial call is let through.
   * @default 10000
   */
  halfOpenAfter?: number;
  /**
   * One circuit per pattern instead of one for the whole client: a failing
   * handler does not block the client's other patterns. At most 1000 patterns
   * are tracked; beyond that, a new pattern's circuit replaces the least
   * recently created closed one (the least recently created of all when none
   * is closed).
   * @default false
   */
  perPattern?: boolean;
}

/**
 * Concurrency limit (bulkhead) of a client: at most `maxConcurrent` calls in
 * flight; up to `maxQueued` more wait for a free slot (their waiting counts
 * against their time budget); beyond that, calls fail at once with
 * `MessagingBulkheadRejectedError` (RESOURCE_EXHAUSTED). A call holds its slot
 * from its first attempt to its end, retries included.
 */
export interface BulkheadOptions {
  /** Most calls (and events being published) in flight at once. */
  maxConcurrent: number;
  /**
   * Most calls waiting for a slot.
   * @default 0 (no queue: refuse at once)
   */
  maxQueued?: number;
}

/**
 * Retry budget of a client (gRPC's retry throttling): a token bucket that
 * loses 1 token per failed attempt and gains `tokenRatio` per successful one.
 * While it holds `maxTokens / 2` tokens or fewer, calls are not retried: a
 * failing peer gets at most about one try per call instead of a retry storm.
 */
export interface RetryBudgetOptions {
  /**
   * Size of the bucket (it starts full). Retries stop after about
   * `maxTokens / 2` failures more than successes.
   * @default 10
   */
  maxTokens?: number;
  /**
   * Tokens a successful attempt gives back (0.1: ten successes pay for one failure).
   * @default 0.1
   */
  tokenRatio?: number;
}

/** Resilience policies of one client. Each is off unless given. */
export interface ClientResilienceOptions {
  /** Fail fast while the peer is failing. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Bound the calls in flight and waiting. */
  bulkhead?: BulkheadOptions;
  /** Cap retries so a failing peer is not hit by a retry storm. */
  retryBudget?: RetryBudgetOptions;
}

const isPositiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isPositive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * Checks a client's resilience options; returns a list of problems, each saying what to do.
 * @internal
 */
export function checkResilience(where: string, options: ClientResilienceOptions | undefined): string[] {
  if (options === undefined) return [];
  const problems: string[] = [];
  if (options === null || typeof options !== 'object') {
    return [`${where} has resilience ${String(options)}: give an object such as { circuitBreaker: {}, bulkhead: { maxConcurrent: 100 } }`];
  }
  const cb = options.circuitBreaker;
  if (cb !== undefined) {
    const at = `${where} resilience.circuitBreaker`;
    if (cb.consecutiveFailures !== undefined && cb.failureRate !== undefined) {
      problems.push(`${at} has both consecutiveFailures and failureRate: give one of them`);
    }
    if (cb.consecutiveFailures !== undefined && !isPositiveInt(cb.consecutiveFailures)) {
      problems.push(`${at}.consecutiveFailures is ${String(cb.consecutiveFailures)}: give a whole number >= 1`);
    }
    if (cb.failureRate !== undefined) {
      const fr = cb.failureRate;
      if (!(typeof fr?.threshold === 'number' && fr.threshold > 0 && fr.threshold <= 1)) {
        problems.push(`${at}.failureRate.threshold is ${String(fr?.threshold)}: give a share above 0 and at most 1 (0.5 for half)`);
      }
      if (fr?.window !== undefined && !(isPositive(fr.window) && fr.window >= 100)) {
        problems.push(`${at}.failureRate.window is ${String(fr.window)}: give milliseconds >= 100`);
      }
      if (fr?.minimumAttempts !== undefined && !isPositiveInt(fr.minimumAttempts)) {
        problems.push(`${at}.failureRate.minimumAttempts is ${String(fr.minimumAttempts)}: give a whole number >= 1`);
      }
    }
    if (cb.halfOpenAfter !== undefined && !isPositive(cb.halfOpenAfter)) {
      problems.push(`${at}.halfOpenAfter is ${String(cb.halfOpenAfter)}: give a positive number of milliseconds`);
    }
    if (cb.perPattern !== undefined && typeof cb.perPattern !== 'boolean') {
      problems.push(`${at}.perPattern is ${String(cb.perPattern)}: give true or false`);
    }
  }
  const bh = options.bulkhead;
  if (bh !== undefined) {
    if (!isPositiveInt(bh?.maxConcurrent)) {
      problems.push(`${where} resilience.bulkhead.maxConcurrent is ${String(bh?.maxConcurrent)}: give a whole number >= 1`);
    }
    if (bh?.maxQueued !== undefined && !(Number.isInteger(bh.maxQueued) && bh.maxQueued >= 0)) {
      problems.push(`${where} resilience.bulkhead.maxQueued is ${String(bh.maxQueued)}: give a whole number >= 0 (0: no queue)`);
    }
  }
  const rb = options.retryBudget;
  if (rb !== undefined) {
    if (rb.maxTokens !== undefined && !(isPositive(rb.maxTokens) && rb.maxTokens >= 1)) {
      problems.push(`${where} resilience.retryBudget.maxTokens is ${String(rb.maxTokens)}: give a number >= 1`);
    }
    if (rb.tokenRatio !== undefined && !(isPositive(rb.tokenRatio) && rb.tokenRatio <= 1)) {
      problems.push(`${where} resilience.retryBudget.tokenRatio is ${String(rb.tokenRatio)}: give a number above 0 and at most 1`);
    }
  }
  return problems;
}
