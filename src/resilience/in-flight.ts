import { AsyncLocalStorage } from 'node:async_hooks';

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
export class InFlightTracker {
  private count = 0;
  private draining = false;
  private readonly idle = new Set<() => void>();

  /** Messages being handled now. */
  get size(): number {
    return this.count;
  }

  /** Whether shutdown has begun: new messages should be refused. */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Counts one message in. Call the returned function once it is done (more
   * calls do nothing).
   */
  begin(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.count === 0) for (const wake of [...this.idle]) wake();
    };
  }

  /** Marks the start of shutdown. */
  startDraining(): void {
    this.draining = true;
  }

  /**
   * Marks the start of shutdown and resolves once no message is in flight or
   * `gracePeriod` milliseconds have passed, whichever comes first.
   */
  drain(gracePeriod: number): Promise<DrainResult> {
    this.draining = true;
    const started = performance.now();
    const result = (drained: boolean): DrainResult => ({
      drained,
      abandoned: drained ? 0 : this.count,
      elapsed: Math.round(performance.now() - started),
    });
    if (this.count === 0) return Promise.resolve(result(true));
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
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

interface Entry {
  refs: number;
  readonly end: () => void;
}

const scope = new AsyncLocalStorage<Entry>();

function unref(entry: Entry): void {
  if (--entry.refs === 0) entry.end();
}

/**
 * Runs one message's work (`fn`, e.g. a server's `handleMessage`) as an
 * in-flight entry of `tracker`: it ends when `fn`'s promise settles and every
 * hold taken inside it ({@link holdInFlight}) has been released.
 */
export function trackInFlight<T>(tracker: InFlightTracker, fn: () => Promise<T>): Promise<T> {
  const entry: Entry = { refs: 1, end: tracker.begin() };
  let promise: Promise<T>;
  try {
    promise = scope.run(entry, fn);
  } catch (err) {
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
export function holdInFlight(): () => void {
  const entry = scope.getStore();
  if (!entry) return noop;
  entry.refs++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    unref(entry);
  };
}

const noop = () => undefined;

/** Whether the code runs inside a message tracked by {@link trackInFlight}. @internal */
export function isTrackedInFlight(): boolean {
  return scope.getStore() !== undefined;
}
