/** What {@link InFlightTracker.drain} found. */
export interface DrainResult {
    /** Whether every tracked message finished within the grace period. */
    readonly drained: boolean;
    /** Messages still running when the grace period ended (0 when drained). */
    readonly abandoned: number;
    /** Milliseconds the drain took. */
    readonly elapsed: number;
}
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
export declare class InFlightTracker {
    private count;
    private draining;
    private readonly idle;
    /** Messages being handled now. */
    get size(): number;
    /** Whether shutdown has begun: new messages should be refused. */
    get isDraining(): boolean;
    /**
     * Counts one message in. Call the returned function once it is done (more
     * calls do nothing).
     */
    begin(): () => void;
    /** Marks the start of shutdown. */
    startDraining(): void;
    /**
     * Marks the start of shutdown and resolves once no message is in flight or
     * `gracePeriod` milliseconds have passed, whichever comes first.
     */
    drain(gracePeriod: number): Promise<DrainResult>;
}
/**
 * Runs one message's work (`fn`, e.g. a server's `handleMessage`) as an
 * in-flight entry of `tracker`: it ends when `fn`'s promise settles and every
 * hold taken inside it ({@link holdInFlight}) has been released.
 */
export declare function trackInFlight<T>(tracker: InFlightTracker, fn: () => Promise<T>): Promise<T>;
/**
 * Extends the in-flight entry of the message being handled here (if a
 * tracking server strategy started one) until the returned function is
 * called. The library's handler interceptor holds it from the handler's start
 * until its result has been sent. Outside a tracked message it does nothing.
 */
export declare function holdInFlight(): () => void;
/** Whether the code runs inside a message tracked by {@link trackInFlight}. @internal */
export declare function isTrackedInFlight(): boolean;
