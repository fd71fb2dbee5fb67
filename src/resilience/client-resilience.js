"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClientResilience = void 0;
const error_codes_1 = require("../errors/error-codes");
const bulkhead_1 = require("./bulkhead");
const circuit_breaker_1 = require("./circuit-breaker");
const resilience_errors_1 = require("./resilience.errors");
const retry_budget_1 = require("./retry-budget");
const noop = () => undefined;
/**
 * The circuit breaker, bulkhead and retry budget of one MessagingClient, built
 * from its `resilience` options. The client calls it at three points: when a
 * call starts (bulkhead), before each attempt (circuit), and when deciding to
 * retry (budget).
 */
class ClientResilience {
    /** The circuit breaker, when configured. */
    breaker;
    bulkhead;
    budget;
    constructor(options) {
        if (options.circuitBreaker)
            this.breaker = new circuit_breaker_1.MessagingCircuitBreaker(options.circuitBreaker);
        if (options.bulkhead)
            this.bulkhead = new bulkhead_1.Bulkhead(options.bulkhead.maxConcurrent, options.bulkhead.maxQueued ?? 0);
        if (options.retryBudget) {
            this.budget = new retry_budget_1.RetryBudget(options.retryBudget.maxTokens ?? 10, options.retryBudget.tokenRatio ?? 0.1);
        }
    }
    /**
     * Admits a call through the bulkhead: runs `start` now or when a slot frees
     * up. Without a bulkhead, runs it now.
     * @returns the ticket to leave when the call ends, or the rejection.
     * @internal
     */
    admit(start, fields) {
        if (!this.bulkhead) {
            start();
            return NO_TICKET;
        }
        return (this.bulkhead.enter(start) ?? new resilience_errors_1.MessagingBulkheadRejectedError(this.bulkhead.maxConcurrent, this.bulkhead.maxQueued, fields));
    }
    /**
     * Asks the circuit to admit an attempt.
     * @returns the recorder to call when the attempt ends, or the error to fail the call with.
     * @internal
     */
    beginAttempt(pattern, fields) {
        if (!this.breaker && !this.budget)
            return noop;
        let settle;
        if (this.breaker) {
            const entered = this.breaker.enter(pattern, fields);
            if (typeof entered !== 'function')
                return entered;
            settle = entered;
        }
        const budget = this.budget;
        let recorded = false;
        return (outcome) => {
            if (recorded)
                return;
            recorded = true;
            const failed = outcome === 'cancelled' || (outcome !== undefined && outcome.code === error_codes_1.MessagingErrorCode.CANCELLED)
                ? undefined
                : outcome !== undefined && (outcome.retryable || outcome.code === error_codes_1.MessagingErrorCode.DEADLINE_EXCEEDED);
            settle?.(failed);
            if (failed === true)
                budget?.onFailure();
            else if (failed === false)
                budget?.onSuccess();
        };
    }
    /** Whether the retry budget allows a retry now (always, without a budget). @internal */
    canRetry() {
        return this.budget ? this.budget.canRetry() : true;
    }
    /** The current state of the policies. */
    snapshot() {
        return {
            circuit: this.breaker ? this.breaker.state() : 'none',
            openPatterns: this.breaker ? this.breaker.openPatterns() : [],
            inFlight: this.bulkhead?.inFlight,
            queued: this.bulkhead?.queued,
            retryTokens: this.budget?.available,
        };
    }
}
exports.ClientResilience = ClientResilience;
const NO_TICKET = { leave: noop };
