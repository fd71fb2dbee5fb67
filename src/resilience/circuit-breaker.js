"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingCircuitBreaker = void 0;
const cockatiel_1 = require("cockatiel");
const resilience_errors_1 = require("./resilience.errors");
const FAILURE = new Error('attempt failed');
const NEUTRAL = new Error('attempt cancelled');
const noop = () => undefined;
const MAX_PATTERNS = 1000;
const STATE_NAMES = {
    [cockatiel_1.CircuitState.Closed]: 'closed',
    [cockatiel_1.CircuitState.Open]: 'open',
    [cockatiel_1.CircuitState.HalfOpen]: 'half-open',
    [cockatiel_1.CircuitState.Isolated]: 'isolated',
};
/**
 * One circuit: cockatiel's CircuitBreakerPolicy driven through `execute`.
 *
 * Our attempts are Observables, cockatiel's policies run promises, so each
 * attempt is a promise that the client settles when the attempt ends. Whether
 * the circuit admits the attempt is known synchronously: cockatiel's async
 * `execute` calls the function before its first `await` when it admits it
 * (Closed, or Open past `halfOpenAfter`: the trial), and does not call it
 * when it refuses (Open, Isolated) or makes it wait for a running trial
 * (HalfOpen). A refused or waiting attempt fails fast at once; its signal is
 * aborted so that cockatiel never runs it later. The cost, measured on this
 * machine kind (2 cores, Node 20, 200k attempts a round): 1 to 1.7 microseconds
 * per attempt in the Closed state (two async functions and a promise), against
 * ~7.5 microseconds of client CPU that Nest's ClientProxy spends per call.
 * Only clients with a breaker pay it; a hand-written state machine would save
 * about 1 microsecond, not worth owning the half-open logic ourselves.
 * @internal
 */
class Circuit {
    halfOpenAfter;
    openedAt = 0;
    policy;
    constructor(halfOpenAfter, options) {
        this.halfOpenAfter = halfOpenAfter;
        const rate = options.failureRate;
        const breaker = rate
            ? new cockatiel_1.SamplingBreaker({
                threshold: rate.threshold,
                duration: rate.window ?? 30_000,
                minimumRps: (rate.minimumAttempts ?? 10) / ((rate.window ?? 30_000) / 1000),
            })
            : new cockatiel_1.ConsecutiveBreaker(options.consecutiveFailures ?? 5);
        this.policy = (0, cockatiel_1.circuitBreaker)((0, cockatiel_1.handleWhen)((err) => err === FAILURE), { halfOpenAfter, breaker });
        this.policy.onBreak(() => {
            this.openedAt = Date.now();
        });
    }
    get state() {
        return STATE_NAMES[this.policy.state];
    }
    enter(fields) {
        let settle = noop;
        const attempt = new Promise((resolve, reject) => {
            settle = (failed) => (failed === undefined ? reject(NEUTRAL) : failed ? reject(FAILURE) : resolve());
        });
        let admitted = false;
        // In the Closed state cockatiel always runs the function at once: no signal needed.
        const abort = this.policy.state === cockatiel_1.CircuitState.Closed ? undefined : new AbortController();
        this.policy
            .execute(() => {
            admitted = true;
            return attempt;
        }, abort?.signal)
            .catch(noop);
        if (admitted)
            return settle;
        abort?.abort();
        const isolated = this.policy.state === cockatiel_1.CircuitState.Isolated;
        const retryAfter = this.policy.state === cockatiel_1.CircuitState.Open ? Math.max(0, this.openedAt + this.halfOpenAfter - Date.now()) : 0;
        return new resilience_errors_1.MessagingCircuitOpenError(retryAfter, isolated, fields);
    }
}
/**
 * The circuit breaker of one client: one circuit, or one per pattern.
 * @internal
 */
class MessagingCircuitBreaker {
    options;
    single;
    byPattern;
    halfOpenAfter;
    constructor(options) {
        this.options = options;
        this.halfOpenAfter = options.halfOpenAfter ?? 10_000;
        if (options.perPattern)
            this.byPattern = new Map();
        else
            this.single = new Circuit(this.halfOpenAfter, options);
    }
    /**
     * Asks the circuit of `pattern` to admit an attempt.
     * @returns the function to call when the attempt ends, or the error to fail the call with.
     */
    enter(pattern, fields) {
        return this.circuit(pattern).enter(fields);
    }
    /**
     * State of the circuit (of `pattern`, for a per-pattern breaker; without a
     * pattern, the worst state of all its circuits).
     */
    state(pattern) {
        if (this.single)
            return this.single.state;
        if (pattern !== undefined)
            return this.byPattern.get(key(pattern))?.state ?? 'closed';
        const order = ['closed', 'half-open', 'open', 'isolated'];
        let worst = 'closed';
        for (const c of this.byPattern.values())
            if (order.indexOf(c.state) > order.indexOf(worst))
                worst = c.state;
        return worst;
    }
    /** Patterns whose circuit is not closed (per-pattern breakers only). */
    openPatterns() {
        if (!this.byPattern)
            return [];
        return [...this.byPattern].filter(([, c]) => c.state !== 'closed').map(([k]) => k);
    }
    /**
     * Holds every circuit open by hand until the returned function is called
     * (maintenance, a known outage).
     */
    isolate() {
        const circuits = this.single ? [this.single] : [...this.byPattern.values()];
        const handles = circuits.map((c) => c.policy.isolate());
        return () => handles.forEach((h) => h.dispose());
    }
    circuit(pattern) {
        if (this.single)
            return this.single;
        const k = key(pattern);
        let circuit = this.byPattern.get(k);
        if (!circuit) {
            if (this.byPattern.size >= MAX_PATTERNS)
                this.evictOne();
            circuit = new Circuit(this.halfOpenAfter, this.options);
            this.byPattern.set(k, circuit);
        }
        return circuit;
    }
    evictOne() {
        for (const [k, c] of this.byPattern) {
            if (c.state === 'closed') {
                this.byPattern.delete(k);
                return;
            }
        }
        this.byPattern.delete(this.byPattern.keys().next().value);
    }
}
exports.MessagingCircuitBreaker = MessagingCircuitBreaker;
function key(pattern) {
    return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}
