import { Logger } from '@nestjs/common';

const logger = new Logger('MessagingServer');

/** Something that must be told when its deadline passes. @internal */
export interface Expirable {
  expire(): void;
}

/**
 * One timer per time slot instead of one per message: requests whose
 * deadlines fall in the same slot (16 ms by default) share a timer, and a
 * request that ends first only leaves its slot's set. The timers are unref'd:
 * they never keep a process alive.
 * @internal
 */
export class DeadlineWheel {
  private readonly slots = new Map<number, Set<Expirable>>();

  constructor(private readonly resolution = 16) {}

  /** Tells `item` once `deadline` (on `performance.now()`'s clock) has passed. @returns the slot, to {@link remove} it. */
  add(item: Expirable, deadline: number): number {
    const slot = Math.ceil(deadline / this.resolution);
    let items = this.slots.get(slot);
    if (!items) {
      items = new Set();
      this.slots.set(slot, items);
      setTimeout(fire, Math.max(0, slot * this.resolution - performance.now()), this, slot).unref();
    }
    items.add(item);
    return slot;
  }

  /** Forgets `item` (it ended before its deadline). */
  remove(item: Expirable, slot: number): void {
    this.slots.get(slot)?.delete(item);
  }

  /** Items waiting, for tests and health checks. */
  get size(): number {
    let n = 0;
    for (const items of this.slots.values()) n += items.size;
    return n;
  }

  /** @internal */
  fire(slot: number): void {
    const items = this.slots.get(slot);
    if (!items) return;
    this.slots.delete(slot);
    for (const item of items) {
      try {
        item.expire();
      } catch (err) {
        // A bug in one message's expiry must not take the process down (this runs from a timer).
        logger.error(`a request's deadline could not be applied: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  }
}

function fire(wheel: DeadlineWheel, slot: number): void {
  wheel.fire(slot);
}
