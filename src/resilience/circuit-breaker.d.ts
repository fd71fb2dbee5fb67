import type { MessagePattern, MessagingErrorFields } from '../errors/messaging.errors';
import { MessagingCircuitOpenError } from './resilience.errors';
import type { CircuitBreakerOptions } from './resilience.options';
/** State of a circuit, as health checks and logs show it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';
/** How an attempt ended, for the breaker: `true` failed, `false` succeeded, `undefined` neither (cancelled). @internal */
export type AttemptSettle = (failed: boolean | undefined) => void;
/**
 * The circuit breaker of one client: one circuit, or one per pattern.
 * @internal
 */
export declare class MessagingCircuitBreaker {
    private readonly options;
    private readonly single?;
    private readonly byPattern?;
    private readonly halfOpenAfter;
    constructor(options: CircuitBreakerOptions);
    /**
     * Asks the circuit of `pattern` to admit an attempt.
     * @returns the function to call when the attempt ends, or the error to fail the call with.
     */
    enter(pattern: MessagePattern, fields: MessagingErrorFields): AttemptSettle | MessagingCircuitOpenError;
    /**
     * State of the circuit (of `pattern`, for a per-pattern breaker; without a
     * pattern, the worst state of all its circuits).
     */
    state(pattern?: MessagePattern): CircuitStateName;
    /** Patterns whose circuit is not closed (per-pattern breakers only). */
    openPatterns(): string[];
    /**
     * Holds every circuit open by hand until the returned function is called
     * (maintenance, a known outage).
     */
    isolate(): () => void;
    private circuit;
    private evictOne;
}
