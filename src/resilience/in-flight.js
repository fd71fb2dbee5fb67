"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.InFlightTracker = void 0;
exports.trackInFlight = trackInFlight;
exports.holdInFlight = holdInFlight;
exports.isTrackedInFlight = isTrackedInFlight;
const node_async_hooks_1 = require("node:async_hooks");
/**
 * Counts the messages a server is handling, so that shutdown can wait for
 * them. Generic on purpose: a server strategy of any transport calls
 * {@link trackInFlight} around its per-message work (the library's handler
 * interceptor extends each entry until the handler's result has been sent),
 * and on close calls {@link InFlightTracker.startDraining} (then refuses, nacks
 * or leaves unacked what arrives) and awaits {@link InFlightTracker.drain}.
 *
 * @example
 * const tracker = new InFlightTracker();
 * handleMessage(msg) { return trackInFlight(tracker, () => super.handleMessage(msg)); }
 * async close() { tracker.startDraining(); await tracker.drain(10_000); super.close(); }
 */
class InFlightTracker {
    count = 0;
    draining = false;
    idle = new Set();
    /** Messages being handled now. */
    get size() {
        return this.count;
    }
    /** Whether shutdown has begun: new messages should be refused. */
    get isDraining() {
        return this.draining;
    }
    /**
     * Counts one message in. Call the returned function once it is done (more
     * calls do nothing).
     */
    begin() {
        this.count++;
        let ended = false;
        return () => {
            if (ended)
                return;
            ended = true;
            if (--this.count === 0)
                for (const wake of [...this.idle])
                    wake();
        };
    }
    /** Marks the start of shutdown. */
    startDraining() {
        this.draining = true;
    }
    /**
     * Marks the start of shutdown and resolves once no message is in flight or
     * `gracePeriod` milliseconds have passed, whichever comes first.
     */
    drain(gracePeriod) {
        this.draining = true;
        const started = performance.now();
        const result = (drained) => ({
            drained,
            abandoned: drained ? 0 : this.count,
            elapsed: Math.round(performance.now() - started),
        });
        if (this.count === 0)
            return Promise.resolve(result(true));
        return new Promise((resolve) => {
            const finish = (drained) => {
                clearTimeout(timer);
                this.idle.delete(wake);
                resolve(result(drained));
            };
            const wake = () => finish(true);
            const timer = setTimeout(() => finish(false), gracePeriod);
            this.idle.add(wake);
        });
    }
}
exports.InFlightTracker = InFlightTracker;
const scope = new node_async_hooks_1.AsyncLocalStorage();
function unref(entry) {
    if (--entry.refs === 0)
        entry.end();
}
/**
 * Runs one message's work (`fn`, e.g. a server's `handleMessage`) as an
 * in-flight entry of `tracker`: it ends when `fn`'s promise settles and every
 * hold taken inside it ({@link holdInFlight}) has been released.
 */
function trackInFlight(tracker, fn) {
    const entry = { refs: 1, end: tracker.begin() };
    let promise;
    try {
        promise = scope.run(entry, fn);
    }
    catch (err) {
        unref(entry);
        throw err;
    }
    return promise.finally(() => unref(entry));
}
/**
 * Extends the in-flight entry of the message being handled here (if a
 * tracking server strategy started one) until the returned function is
 * called. The library's handler interceptor holds it from the handler's start
 * until its result has been sent. Outside a tracked message it does nothing.
 */
function holdInFlight() {
    const entry = scope.getStore();
    if (!entry)
        return noop;
    entry.refs++;
    let released = false;
    return () => {
        if (released)
            return;
        released = true;
        unref(entry);
    };
}
const noop = () => undefined;
/** Whether the code runs inside a message tracked by {@link trackInFlight}. @internal */
function isTrackedInFlight() {
    return scope.getStore() !== undefined;
}
