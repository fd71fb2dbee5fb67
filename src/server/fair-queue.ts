import { Logger } from '@nestjs/common';

/** Work that the queue starts. @internal */
export interface Startable {
  begin(): void;
}

interface Waiting {
  readonly item: Startable;
  /** When its message was read (`performance.now()`). */
  readonly at: number;
  /** Whether it has a deadline (a request with a budget). */
  readonly expiring: boolean;
}

/** How far behind (ms) the oldest waiting message must be for the newest request to go first. */
const LIFO_AFTER = 20;
const MAX_BATCH = 32;

/**
 * Starts handlers at once while the event loop keeps up with the messages it
 * reads. Once it falls behind (a message waited more than `lagThreshold` ms
 * between its read and its dispatch: a burst of frames, handlers that burn
 * CPU), the queue takes over and starts a few handlers per loop turn (as many
 * as keep a turn short), so that the loop reads the sockets between them: the
 * messages still in the kernel get their arrival time, and their budget,
 * counted when they really arrive. While it is well behind, the newest
 * request goes first (adaptive LIFO): an old one has likely missed its
 * deadline (it is refused cheaply when its deadline passes) while a fresh one
 * can still be answered in time. Events keep their order.
 * @internal
 */
export class FairQueue {
  private items: Waiting[] = [];
  private head = 0;
  private scheduled = false;
  private batch = 1;
  private lastTurn = 0;

  constructor(private readonly lagThreshold = 5) {}

  /** Messages waiting to start. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Starts `item` now, or queues it when the loop is behind or others wait. */
  start(item: Startable, receivedAt: number, expiring: boolean): void {
    if (this.size === 0 && performance.now() - receivedAt < this.lagThreshold) return item.begin();
    this.items.push({ item, at: receivedAt, expiring });
    if (!this.scheduled) {
      this.scheduled = true;
      this.lastTurn = performance.now();
      setImmediate(drain, this);
    }
  }

  /** @internal Starts the next few items; then yields to the loop. */
  next(): void {
    const now = performance.now();
    const turn = now - this.lastTurn;
    this.lastTurn = now;
    // Cheap turns: start more per turn; slow turns: fewer, so that the sockets are read often.
    if (turn < 1) this.batch = Math.min(this.batch * 2, MAX_BATCH);
    else if (turn > 4) this.batch = Math.max(1, this.batch >> 1);
    for (let n = 0; n < this.batch && this.size > 0; n++) startSafely(this.take(now));
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.size > 0) setImmediate(drain, this);
    else this.scheduled = false;
  }

  private take(now: number): Startable | undefined {
    const oldest = this.items[this.head]!;
    const newest = this.items[this.items.length - 1]!;
    if (newest.expiring && now - oldest.at > LIFO_AFTER && this.items.length - 1 > this.head) {
      this.items.pop();
      return newest.item;
    }
    this.items[this.head++] = undefined as never;
    return oldest.item;
  }
}

function drain(queue: FairQueue): void {
  queue.next();
}

const logger = new Logger('MessagingServer');

/** A bug in one message's start must not take the process down (this runs from the loop, not from a handler). */
function startSafely(item: Startable | undefined): void {
  try {
    item?.begin();
  } catch (err) {
    logger.error(`a message could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
