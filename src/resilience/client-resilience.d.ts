import type { MessagePattern, MessagingError, MessagingErrorFields } from '../errors/messaging.errors';
import { type BulkheadTicket } from './bulkhead';
import { MessagingCircuitBreaker, type CircuitStateName } from './circuit-breaker';
import { MessagingBulkheadRejectedError, type MessagingCircuitOpenError } from './resilience.errors';
import type { ClientResilienceOptions } from './resilience.options';
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
/**
 * The circuit breaker, bulkhead and retry budget of one MessagingClient, built
 * from its `resilience` options. The client calls it at three points: when a
 * call starts (bulkhead), before each attempt (circuit), and when deciding to
 * retry (budget).
 */
export declare class ClientResilience {
    /** The circuit breaker, when configured. */
    readonly breaker?: MessagingCircuitBreaker;
    private readonly bulkhead?;
    private readonly budget?;
    constructor(options: ClientResilienceOptions);
    /**
     * Admits a call through the bulkhead: runs `start` now or when a slot frees
     * up. Without a bulkhead, runs it now.
     * @returns the ticket to leave when the call ends, or the rejection.
     * @internal
     */
    admit(start: () => void, fields: MessagingErrorFields): BulkheadTicket | MessagingBulkheadRejectedError;
    /**
     * Asks the circuit to admit an attempt.
     * @returns the recorder to call when the attempt ends, or the error to fail the call with.
     * @internal
     */
    beginAttempt(pattern: MessagePattern, fields: MessagingErrorFields): AttemptRecorder | MessagingCircuitOpenError;
    /** Whether the retry budget allows a retry now (always, without a budget). @internal */
    canRetry(): boolean;
    /** The current state of the policies. */
    snapshot(): ResilienceSnapshot;
}
