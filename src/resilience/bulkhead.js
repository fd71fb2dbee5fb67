"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Bulkhead = void 0;
/**
 * Concurrency limit with a bounded FIFO queue.
 *
 * Hand-written rather than cockatiel's `BulkheadPolicy` (measured reasons, not
 * taste): cockatiel queues promises and only drops a queued entry whose signal
 * was aborted when it reaches the head of the queue, so calls whose time budget
 * ran out while queued would keep their places and the queue would refuse live
 * calls; and its promise-based `execute` costs microtasks per call on a path
 * that is synchronous here. This one removes a queued entry at once (`leave()`),
 * never holds more than `maxQueued` waiters, and costs a counter on the fast path.
 * @internal
 */
class Bulkhead {
    maxConcurrent;
    maxQueued;
    active = 0;
    queue = new Set();
    constructor(
    /** Most holders of a slot at once. */
    maxConcurrent, 
    /** Most waiters. */
    maxQueued) {
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
    }
    /** Calls in flight. */
    get inFlight() {
        return this.active;
    }
    /** Calls waiting for a slot. */
    get queued() {
        return this.queue.size;
    }
    /**
     * Takes a slot and runs `start` now, or queues it (it runs, from a microtask,
     * when a slot frees up), or refuses.
     * @returns the ticket, or `undefined` when the bulkhead and its queue are full.
     */
    enter(start) {
        if (this.active < this.maxConcurrent) {
            this.active++;
            const ticket = new Waiter(this, start);
            ticket.state = ACTIVE;
            start();
            return ticket;
        }
        if (this.queue.size >= this.maxQueued)
            return undefined;
        const waiter = new Waiter(this, start);
        this.queue.add(waiter);
        return waiter;
    }
    /** @internal */
    release(waiter) {
        if (waiter.state === QUEUED) {
            this.queue.delete(waiter);
        }
        else if (waiter.state === ACTIVE) {
            this.active--;
            const next = this.queue.values().next();
            if (!next.done) {
                const w = next.value;
                this.queue.delete(w);
                w.state = ACTIVE;
                this.active++;
                // Not synchronously: the caller is inside another call's teardown.
                queueMicrotask(() => {
                    if (w.state === ACTIVE)
                        w.start();
                });
            }
        }
        waiter.state = LEFT;
    }
}
exports.Bulkhead = Bulkhead;
const QUEUED = 0;
const ACTIVE = 1;
const LEFT = 2;
class Waiter {
    bulkhead;
    start;
    state = QUEUED;
    constructor(bulkhead, start) {
        this.bulkhead = bulkhead;
        this.start = start;
    }
    leave() {
        if (this.state !== LEFT)
            this.bulkhead.release(this);
    }
}
