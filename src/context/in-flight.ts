/** What {@link InFlightTracker.drain} found. */
export interface DrainResult {
  /** Whether every tracked message finished within the grace period. */
  readonly drained: boolean;
  /** Messages still running when the grace period ended (0 when drained). */
  readonly abandoned: number;
  /** Milliseconds the drain took. */
  readonly elapsed: number;
}

/** A message in flight whose handler can be told to stop. */
export interface Abortable {
  /**
   * The server gives up on the message (its grace period ended): aborts its
   * handler's signal and ends its handling without sending anything, since
   * the connection is about to close.
   */
  abandon(reason: unknown): void;
}

/**
 * Counts the messages a server is handling, so that shutdown can wait for
 * them. The library's server strategies begin an entry when a message is read
 * and end it once its handler's result has been sent; on close they call
 * {@link InFlightTracker.startDraining} (then refuse, nack or leave unacked
 * what arrives) and await {@link InFlightTracker.drain}.
 */
export class InFlightTracker {
  private readonly messages = new Set<Abortable>();
  private draining = false;
  private readonly idle = new Set<() => void>();

  /** Messages being handled now. */
  get size(): number {
    return this.messages.size;
  }

  /** Whether shutdown has begun: new messages should be refused. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Counts one message in; {@link leave} counts it out. */
  enter(message: Abortable): void {
    this.messages.add(message);
  }

  /** Counts one message out. */
  leave(message: Abortable): void {
    if (this.messages.delete(message) && this.messages.size === 0) for (const wake of [...this.idle]) wake();
  }

  /** Abandons every message still in flight (the grace period ended): their signals abort, nothing more is sent for them. */
  abandonAll(reason: unknown): void {
    for (const message of [...this.messages]) message.abandon(reason);
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
      abandoned: drained ? 0 : this.messages.size,
      elapsed: Math.round(performance.now() - started),
    });
    if (this.messages.size === 0) return Promise.resolve(result(true));
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
