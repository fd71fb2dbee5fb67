import type { Logger } from '@nestjs/common';
import type { DedupeStore } from './dedupe-store';
import type { ResolvedDedupe } from './handler-route';

/** What a claim found: handle the message, drop it, or handle it because the store could not tell. */
export type ClaimResult = 'first' | 'duplicate' | 'unknown';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Outage {
  readonly since: number;
  affected: number;
}

/**
 * The handler side of dedupe, per server: claims with a time limit, and the
 * fallback when a store is down or does not answer (the message is handled:
 * at-least-once rather than lost), logged once per outage of each store with
 * the count of messages it affected.
 * @internal
 */
export class Dedupe {
  private readonly outages = new Map<DedupeStore, Outage>();

  constructor(private readonly logger: Logger) {}

  /**
   * Claims `key`. A delivery whose twin is being handled elsewhere waits: it
   * claims again until the twin is done (then it is a duplicate) or its lease
   * runs out (its handler died: then this delivery is handled), so that a
   * broker's redelivery after a crash is never dropped as a duplicate.
   */
  async claim(settings: ResolvedDedupe, key: string, ids: string): Promise<ClaimResult> {
    // The twin's holder may have a longer lease than ours (another version of the service): wait well past ours.
    const giveUpAt = Date.now() + 10 * Math.max(settings.lease, 60_000);
    const pause = Math.max(20, Math.min(500, settings.lease / 10));
    for (;;) {
      let state: string;
      try {
        state = await this.bounded(settings, () => settings.store.claim(key, settings.lease));
        this.up(settings.store);
      } catch (err) {
        this.down(settings.store, err, ids);
        return 'unknown';
      }
      if (state === 'claimed') return 'first';
      if (state === 'done') return 'duplicate';
      // 'processing': another delivery of it runs now.
      if (Date.now() >= giveUpAt) return 'unknown';
      await sleep(pause);
    }
  }

  /** The handler succeeded: the id is marked done for the window. */
  complete(settings: ResolvedDedupe, key: string): void {
    this.bounded(settings, () => settings.store.complete(key, settings.window)).then(
      () => this.up(settings.store),
      (err: unknown) => this.down(settings.store, err, `(completing ${key})`),
    );
  }

  /** The handler failed: the claim is given up, so that a redelivery is handled. */
  release(settings: ResolvedDedupe, key: string): void {
    this.bounded(settings, () => settings.store.release(key)).catch((err: unknown) => this.down(settings.store, err, `(releasing ${key})`));
  }

  private bounded<T>(settings: ResolvedDedupe, op: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${settings.claimTimeout} ms (claimTimeout)`)), settings.claimTimeout);
      Promise.resolve()
        .then(op)
        .then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
    });
  }

  private down(store: DedupeStore, err: unknown, ids: string): void {
    const outage = this.outages.get(store);
    if (outage) {
      outage.affected++;
      return;
    }
    this.outages.set(store, { since: Date.now(), affected: 1 });
    this.logger.warn(
      `dedupe store ${store.constructor.name} failed (${err instanceof Error ? err.message : String(err)}): ` +
        `messages are handled without dedupe until it answers again ${ids}`,
    );
  }

  private up(store: DedupeStore): void {
    const outage = this.outages.get(store);
    if (!outage) return;
    this.outages.delete(store);
    this.logger.log(
      `dedupe store ${store.constructor.name} answers again after ${Date.now() - outage.since} ms; ` +
        `${outage.affected} message(s) were handled without dedupe meanwhile`,
    );
  }
}
