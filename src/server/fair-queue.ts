import { Logger } from '@nestjs/common';

/** Work that the queue starts. @internal */
export interface Startable {
  /** Starts the work; false when there was none left to do (the message already ended: its deadline passed). */
  begin(): boolean;
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
/**
 * How long (ms) one turn of the event loop may take with the handlers the
 * queue starts in it. Bytes the loop has not read yet wait in the kernel,
 * where their wait counts against their caller's budget but not against the
 * one the server sees: the loop must come back to its sockets often.
 */
const TURN_MS = 4;
/** Most messages started in one turn (a burst of cheap events fills a 64 KiB read with ~250). */
const MAX_PER_TURN = 512;
/**
 * Open-ended messages (events, requests without a budget) waiting, above
 * which the strategy stops reading (see {@link FairQueue.whenDrained}):
 * two full turns. Requests with a budget leave the queue when it ends;
 * the others would pile up for as long as a peer sends faster than the
 * handlers run, each one surviving into the old generation of the heap.
 */
const HIGH_WATER = 2 * MAX_PER_TURN;
/** ... and under which it reads again. */
const LOW_WATER = MAX_PER_TURN / 2;

/**
 * Starts handlers at once while the event loop keeps up with the messages it
 * reads, and queues them once it falls behind, so that the loop reads its
 * sockets between them: the messages still in the kernel get their arrival
 * time, and their budget, counted when they really arrive.
 *
 * The queue counts in turns of the event loop, not in time spent inside
 * `begin()`: a handler behind a guard, a pipe or an async check runs in the
 * microtasks after the call that started it, so only the length of the
 * whole turn tells what the starts cost. Each turn may start `perTurn`
 * messages (at once or from the queue); a turn longer than {@link TURN_MS}
 * shrinks that number in proportion, a full one that took less than half
 * of it doubles it. A message also waits once the turn's synchronous work
 * (the reads, handlers that run at once) has used the turn's time.
 *
 * A message also waits when it was read more than `lagThreshold` ms ago
 * (work before it in the same turn), or when others wait (events keep their
 * order). While the queue is well behind, the newest request goes first
 * (adaptive LIFO): an old one has likely missed its deadline (it is refused
 * cheaply when its deadline passes) while a fresh one can still be answered
 * in time.
 * @internal
 */
export class FairQueue {
  private items: Waiting[] = [];
  private head = 0;
  /** Whether a turn boundary (an immediate) is scheduled. */
  private scheduled = false;
  /** Messages that may start in one turn. */
  private perTurn = 8;
  /** Messages started in the current turn. */
  private startedThisTurn = 0;
  /** When the current turn began (the last boundary). */
  private turnStart = 0;
  /** Waiting messages without a deadline. */
  private openEnded = 0;
  /** Called once the open-ended messages waiting are few again. */
  private drained: (() => void) | undefined;

  constructor(private readonly lagThreshold = 5) {}

  /** Messages waiting to start. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Starts `item` now, or queues it when the loop is behind, the turn is full, or others wait. */
  start(item: Startable, receivedAt: number, expiring: boolean): void {
    if (this.size === 0 && this.startedThisTurn < this.perTurn && this.roomAt(performance.now(), receivedAt)) {
      if (item.begin()) this.startedThisTurn++;
      return;
    }
    this.items.push({ item, at: receivedAt, expiring });
    if (!expiring) this.openEnded++;
    if (!this.scheduled) this.schedule(performance.now());
  }

  /**
   * Whether so many open-ended messages wait that the strategy should stop
   * reading new ones until {@link whenDrained} calls back.
   */
  get saturated(): boolean {
    return this.openEnded > HIGH_WATER;
  }

  /** Calls `resume` once the open-ended messages waiting are few again (one callback at a time: the last given). */
  whenDrained(resume: () => void): void {
    this.drained = resume;
  }

  /**
   * Whether the current turn has room at `now` for a message read at
   * `receivedAt` (opening a turn if none is open): it was read moments ago,
   * and the turn's own synchronous work has not used its time.
   */
  private roomAt(now: number, receivedAt: number): boolean {
    if (now - receivedAt >= this.lagThreshold) return false;
    if (!this.scheduled) this.schedule(now);
    return now - this.turnStart < TURN_MS;
  }

  /**
   * Whether a message read at `receivedAt` may start now, outside the queue
   * (a message that needs nothing of the pipeline); counted against the
   * turn if so. When not, the caller hands it to {@link start}.
   */
  admit(receivedAt: number): boolean {
    if (this.size !== 0 || this.startedThisTurn >= this.perTurn || !this.roomAt(performance.now(), receivedAt)) return false;
    this.startedThisTurn++;
    return true;
  }

  /** Marks a new turn from `now`, and asks the loop for its end (an immediate runs after the turn's reads). */
  private schedule(now: number): void {
    this.scheduled = true;
    this.turnStart = now;
    this.startedThisTurn = 0;
    setImmediate(endTurn, this);
  }

  /**
   * @internal The end of a turn: sizes the next turn from this one's length
   * (the reads, the starts and the microtasks they left), then starts what
   * waits, up to that size.
   */
  next(): void {
    const now = performance.now();
    const turn = now - this.turnStart;
    if (this.startedThisTurn > 0) {
      if (turn > TURN_MS) this.perTurn = Math.max(1, Math.floor((this.perTurn * TURN_MS) / turn));
      // A full turn that took less than half its time: twice as many (cheap messages come in hundreds per read).
      else if (turn < TURN_MS / 2 && this.startedThisTurn >= this.perTurn) this.perTurn = Math.min(MAX_PER_TURN, this.perTurn * 2);
    }
    this.turnStart = now;
    this.startedThisTurn = 0;
    while (this.size > 0 && this.startedThisTurn < this.perTurn) {
      if (startSafely(this.take(now))) this.startedThisTurn++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.drained !== undefined && this.openEnded <= LOW_WATER) {
      const resume = this.drained;
      this.drained = undefined;
      resume();
    }
    // Another boundary while messages wait or this turn started some (their cost is known at its end).
    if (this.size > 0 || this.startedThisTurn > 0) setImmediate(endTurn, this);
    else this.scheduled = false;
  }

  private take(now: number): Startable {
    const oldest = this.items[this.head]!;
    const newest = this.items[this.items.length - 1]!;
    if (newest.expiring && now - oldest.at > LIFO_AFTER && this.items.length - 1 > this.head) {
      this.items.pop();
      return newest.item;
    }
    this.items[this.head++] = undefined as never;
    if (!oldest.expiring) this.openEnded--;
    return oldest.item;
  }
}

function endTurn(queue: FairQueue): void {
  queue.next();
}

const logger = new Logger('MessagingServer');

/** A bug in one message's start must not take the process down (this runs from the loop, not from a handler). */
function startSafely(item: Startable): boolean {
  try {
    return item.begin();
  } catch (err) {
    logger.error(`a message could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return true;
  }
}
