/** Work that the queue starts. @internal */
export interface Startable {
  begin(): void;
}

/**
 * Starts handlers at once while the event loop keeps up with the messages it
 * reads. Once it falls behind (a message waited more than `lagThreshold` ms
 * between its read and its dispatch: a burst of frames, handlers that burn
 * CPU), the queue takes over and starts one handler per loop turn, so that
 * the loop reads the socket between two of them: the messages still in the
 * kernel get their arrival time, and their budget, counted when they really
 * arrive, and a request that waited past its deadline in this queue is
 * refused cheaply instead of run for a caller who gave up.
 * @internal
 */
export class FairQueue {
  private items: Startable[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly lagThreshold = 5) {}

  /** Messages waiting to start. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Starts `item` now, or queues it when the loop is behind or others wait. */
  start(item: Startable, receivedAt: number): void {
    if (this.size === 0 && performance.now() - receivedAt < this.lagThreshold) return item.begin();
    this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(drainOne, this);
    }
  }

  /** @internal Starts the next item; one per loop turn. */
  next(): void {
    const item = this.items[this.head];
    this.items[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.size > 0) setImmediate(drainOne, this);
    else this.scheduled = false;
    item?.begin();
  }
}

function drainOne(queue: FairQueue): void {
  queue.next();
}
