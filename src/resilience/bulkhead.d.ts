/**
 * A place in the bulkhead: active (holding a slot) or queued. `leave()` frees
 * the slot or the place in the queue; it is safe to call more than once.
 * @internal
 */
export interface BulkheadTicket {
    leave(): void;
}
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
export declare class Bulkhead {
    /** Most holders of a slot at once. */
    readonly maxConcurrent: number;
    /** Most waiters. */
    readonly maxQueued: number;
    private active;
    private readonly queue;
    constructor(
    /** Most holders of a slot at once. */
    maxConcurrent: number, 
    /** Most waiters. */
    maxQueued: number);
    /** Calls in flight. */
    get inFlight(): number;
    /** Calls waiting for a slot. */
    get queued(): number;
    /**
     * Takes a slot and runs `start` now, or queues it (it runs, from a microtask,
     * when a slot frees up), or refuses.
     * @returns the ticket, or `undefined` when the bulkhead and its queue are full.
     */
    enter(start: () => void): BulkheadTicket | undefined;
    /** @internal */
    release(waiter: Waiter): void;
}
declare class Waiter implements BulkheadTicket {
    private readonly bulkhead;
    readonly start: () => void;
    state: number;
    constructor(bulkhead: Bulkhead, start: () => void);
    leave(): void;
}
export {};
