"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CallExecution = void 0;
const error_codes_1 = require("../errors/error-codes");
const messaging_errors_1 = require("../errors/messaging.errors");
const observers_1 = require("../instrumentation/observers");
const message_metadata_1 = require("../metadata/message-metadata");
const call_policy_1 = require("./call-policy");
const classify_error_1 = require("./classify-error");
const payload_size_1 = require("../resilience/payload-size");
const now = () => performance.now();
/**
 * One message on its way: its attempts, retries, time budget, and the typed
 * error that ends it when it fails. A class rather than closures: the hot path
 * (a call that succeeds at once) allocates this object, the metadata map, the
 * envelope and one attempt observer, and nothing else.
 * @internal
 */
class CallExecution {
    host;
    call;
    observer;
    messageId = (0, message_metadata_1.newId)();
    started = now();
    budget;
    inherited = false;
    attempt = 0;
    emitted = false;
    done = false;
    inner;
    attemptTimer;
    retryTimer;
    budgetTimer;
    attemptErrors;
    /** Only failing calls pay for a timeline: it starts with the first failure. */
    timeline;
    instrumented;
    errorFields;
    // resilience: the call's bulkhead slot, and the breaker/budget recorder of the current attempt
    ticket;
    record;
    constructor(host, call, observer) {
        this.host = host;
        this.call = call;
        this.observer = observer;
        // The call's budget: its own timeout, cut to what is left of the deadline it inherited.
        this.budget = call.policy.timeout;
        if (call.deadline !== undefined) {
            const left = Math.floor(call.deadline - this.started);
            if (this.budget === false || left < this.budget) {
                this.budget = left;
                this.inherited = true;
            }
        }
    }
    /** The fields of every error of this call. */
    get fields() {
        return (this.errorFields ??= {
            pattern: this.call.pattern,
            client: this.host.name,
            correlationId: this.call.correlationId,
            messageId: this.messageId,
        });
    }
    /** Starts the call; the returned object stops it (the Observable's teardown). */
    start() {
        const { call, host } = this;
        if (host.isClosed())
            return this.refuse(new messaging_errors_1.MessagingClientClosedError(this.fields));
        if (call.data === undefined || call.data === null) {
            return this.refuse(new messaging_errors_1.MessagingError(`${(0, messaging_errors_1.describePattern)(call.pattern)}: the payload is ${String(call.data)}; send {} for a message without arguments`, error_codes_1.MessagingErrorCode.INVALID_ARGUMENT, false, this.fields));
        }
        const tooLarge = (0, payload_size_1.checkPayloadSize)(call.data, call.policy.maxPayloadSize, 'client', this.fields);
        if (tooLarge)
            return this.refuse(tooLarge);
        if (this.budget !== false && this.budget <= 0) {
            return this.refuse(new messaging_errors_1.MessagingTimeoutError(0, 0, 0, [], this.fields, false, true));
        }
        if (host.instruments) {
            this.instrumented = (0, observers_1.startCall)(host.instruments, {
                kind: call.event ? 'event' : 'request',
                client: host.name,
                system: host.system,
                pattern: call.pattern,
                destination: (0, messaging_errors_1.describePattern)(call.pattern),
                messageId: this.messageId,
                correlationId: call.correlationId,
                budget: this.budget,
            });
        }
        if (this.budget !== false)
            this.budgetTimer = setTimeout(onBudgetSpent, this.budget, this);
        host.pending.add(this);
        if (!host.resilience) {
            this.startAttempt();
            return this;
        }
        // resilience: the bulkhead runs the first attempt now, queues it, or refuses the call
        const admitted = host.resilience.admit(() => {
            if (!this.done)
                this.startAttempt();
        }, this.fields);
        if (admitted instanceof messaging_errors_1.MessagingError) {
            this.fail(admitted);
            return this;
        }
        this.ticket = admitted;
        if (this.done)
            admitted.leave();
        return this;
    }
    /** The subscriber went away, or the call ended: release everything. */
    unsubscribe() {
        if (this.done)
            return;
        this.done = true;
        this.record?.('cancelled');
        this.ticket?.leave();
        if (this.budgetTimer)
            clearTimeout(this.budgetTimer);
        if (this.attemptTimer)
            clearTimeout(this.attemptTimer);
        if (this.retryTimer)
            clearTimeout(this.retryTimer);
        this.inner?.unsubscribe();
        this.host.pending.delete(this);
    }
    /** The client closed while the call was pending. */
    cancel() {
        this.note({ event: 'closed', attempt: this.attempt });
        this.fail(new messaging_errors_1.MessagingClientClosedError(this.fields));
    }
    refuse(err) {
        this.done = true;
        this.observer.error(err);
        return this;
    }
    elapsed() {
        return Math.round(now() - this.started);
    }
    note(entry) {
        this.timeline ??= [
            { at: 0, event: 'attempt', attempt: 1, budgetLeft: this.budget === false ? undefined : this.budget },
        ];
        this.timeline.push({ at: this.elapsed(), ...entry });
    }
    fail(err) {
        if (this.done)
            return;
        this.record?.(err);
        this.unsubscribe();
        if (this.timeline)
            Object.defineProperty(err, 'timeline', { value: this.timeline, enumerable: false });
        this.instrumented?.end(err);
        this.observer.error(err);
    }
    /** @internal called by the budget timer */
    budgetSpent() {
        this.note({ event: 'timeout', attempt: this.attempt });
        const budget = this.budget;
        this.fail(new messaging_errors_1.MessagingTimeoutError(budget, this.elapsed(), this.attempt, this.attemptErrors?.slice() ?? [], this.fields, false, this.inherited));
    }
    /** @internal called by the attempt timer */
    attemptTimedOut(number) {
        if (this.attempt !== number)
            return;
        this.inner?.unsubscribe();
        const limit = this.call.policy.attemptTimeout;
        this.attemptFailed(new messaging_errors_1.MessagingTimeoutError(limit, this.elapsed(), number, [], this.fields, true));
    }
    /** @internal */
    startAttempt() {
        this.retryTimer = undefined;
        const { call, host } = this;
        const { policy } = call;
        if (host.resilience) {
            // resilience: the circuit admits the attempt, or the call fails fast
            const entered = host.resilience.beginAttempt(call.pattern, this.fields);
            if (typeof entered !== 'function')
                return this.attemptFailed(entered);
            this.record = entered;
        }
        const number = ++this.attempt;
        const budgetLeft = this.budget === false ? undefined : this.started + this.budget - now();
        if (number > 1)
            this.note({ event: 'attempt', attempt: number, budgetLeft: Math.floor(budgetLeft ?? 0) });
        this.instrumented?.attempt?.(number, budgetLeft);
        let timeoutMs;
        if (!call.event && (budgetLeft !== undefined || policy.attemptTimeout !== false)) {
            const limit = policy.attemptTimeout === false ? Infinity : policy.attemptTimeout;
            timeoutMs = Math.max(0, Math.floor(Math.min(budgetLeft ?? Infinity, limit)));
        }
        const metadata = (0, message_metadata_1.encodeMetadata)({
            messageId: this.messageId,
            correlationId: call.correlationId,
            causationId: call.causationId,
            sentAt: Date.now(),
            attempt: number,
            payloadVersion: call.payloadVersion,
            timeoutMs,
            app: call.app,
        });
        if (this.instrumented?.headers)
            Object.assign(metadata, this.instrumented.headers);
        const message = host.carrier.wrap(call.data, metadata);
        let source;
        try {
            source = call.event ? host.proxy.emit(call.pattern, message) : host.proxy.send(call.pattern, message);
        }
        catch (err) {
            this.attemptFailed((0, classify_error_1.classifyError)(err, this.fields));
            return;
        }
        if (policy.attemptTimeout !== false)
            this.attemptTimer = setTimeout(onAttemptTimeout, policy.attemptTimeout, this, number);
        this.inner = source.subscribe(new AttemptObserver(this, number));
    }
    /** @internal a value of attempt `number` */
    value(number, value) {
        if (this.done || this.attempt !== number || this.call.event)
            return;
        this.emitted = true;
        this.observer.next(value);
    }
    /** @internal attempt `number` completed */
    completed(number) {
        if (this.done || this.attempt !== number)
            return;
        this.record?.(undefined);
        this.unsubscribe();
        this.instrumented?.end();
        if (this.call.event)
            this.observer.next(undefined);
        this.observer.complete();
    }
    /** @internal attempt `number` failed */
    errored(number, err) {
        if (this.attempt === number)
            this.attemptFailed((0, classify_error_1.classifyError)(err, this.fields));
    }
    attemptFailed(err) {
        if (this.done)
            return;
        if (this.attemptTimer)
            clearTimeout(this.attemptTimer);
        const { policy } = this.call;
        const attempt = this.attempt;
        (this.attemptErrors ??= []).push(err);
        this.record?.(err);
        this.record = undefined;
        this.note({ event: 'failed', attempt, code: err.code });
        const retry = err.retryable &&
            policy.idempotent &&
            !this.emitted &&
            attempt < policy.maxAttempts &&
            !this.host.isClosed() &&
            (this.host.resilience?.canRetry() ?? true);
        const event = {
            client: this.host.name,
            pattern: this.call.pattern,
            messageId: this.messageId,
            correlationId: this.call.correlationId,
            attempt,
            error: err,
        };
        if (retry) {
            const delay = (0, call_policy_1.backoffDelay)(attempt, policy);
            this.note({ event: 'backoff', attempt, delay });
            safely(policy.onRetry, { ...event, delay });
            this.instrumented?.retry?.(attempt, delay, err);
            this.inner?.unsubscribe();
            this.retryTimer = setTimeout(onRetryDue, delay, this);
            return;
        }
        if (attempt > 1)
            safely(policy.onGiveUp, event);
        this.fail(attempt > 1 && err.retryable ? new messaging_errors_1.MessagingRetriesExhaustedError(this.attemptErrors, this.fields) : err);
    }
}
exports.CallExecution = CallExecution;
/** Observes one attempt's Observable for its execution (one object instead of three closures). */
class AttemptObserver {
    execution;
    number;
    constructor(execution, number) {
        this.execution = execution;
        this.number = number;
    }
    next(value) {
        this.execution.value(this.number, value);
    }
    error(err) {
        this.execution.errored(this.number, err);
    }
    complete() {
        this.execution.completed(this.number);
    }
}
// Timer callbacks at module level: setTimeout(fn, ms, execution) allocates no closure.
function onBudgetSpent(execution) {
    execution.budgetSpent();
}
function onAttemptTimeout(execution, number) {
    execution.attemptTimedOut(number);
}
function onRetryDue(execution) {
    execution.startAttempt();
}
function safely(hook, event) {
    if (!hook)
        return;
    try {
        hook(event);
    }
    catch {
        // a hook must not break the call
    }
}
