/**
 * Where event handlers remember the message ids they handle, to drop
 * redeliveries (see the `dedupe` handler option). A message is claimed in two
 * phases: a short processing lease while its handler runs (a duplicate that
 * arrives meanwhile is dropped; if the process dies mid-handler the lease
 * runs out and the broker's redelivery is handled), then, once the handler
 * succeeded, a "done" mark for the whole window. Implement it over any shared
 * store; the library ships {@link MemoryDedupeStore} (one process) and
 * {@link RedisDedupeStore} (several instances).
 */
export interface DedupeStore {
  /**
   * Claims `key` for a processing lease of `leaseMs` milliseconds.
   * @returns `'claimed'` when nobody holds it (handle the message), `'done'`
   *   for a duplicate of a message handled within the window (drop it),
   *   `'processing'` while another delivery of it is being handled (the
   *   handler side waits and claims again: if that handler dies, its lease
   *   runs out and this delivery is handled).
   */
  claim(key: string, leaseMs: number): DedupeClaim | Promise<DedupeClaim>;
  /** Marks `key` done for `windowMs` milliseconds (its handler succeeded). */
  complete(key: string, windowMs: number): void | Promise<void>;
  /** Gives up a claim (its handler failed), so that a redelivery is handled. */
  release(key: string): void | Promise<void>;
}

/** What {@link DedupeStore.claim} found. */
export type DedupeClaim = 'claimed' | 'done' | 'processing';

/** Options of {@link MemoryDedupeStore}. */
export interface MemoryDedupeStoreOptions {
  /**
   * Most ids remembered; beyond it, the oldest are forgotten first (a duplicate
   * of a forgotten id would be handled again).
   * @default 100000
   */
  maxEntries?: number;
}

/**
 * A bounded in-memory {@link DedupeStore} with a TTL per id: right for one
 * instance. Several instances of a service need a shared store ({@link RedisDedupeStore}).
 *
 * @example
 * messagingMicroservice(options, { handlers: { dedupe: { store: new MemoryDedupeStore({ maxEntries: 10_000 }) } } })
 */
export class MemoryDedupeStore implements DedupeStore {
  /** Expiry time of each id; negative while its lease runs (processing), positive once done. */
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Ids remembered now (expired ones may still count until they are swept). */
  get size(): number {
    return this.entries.size;
  }

  claim(key: string, leaseMs: number): DedupeClaim {
    const now = Date.now();
    this.sweep(now);
    const entry = this.entries.get(key);
    if (entry !== undefined && Math.abs(entry) > now) return entry < 0 ? 'processing' : 'done';
    this.remember(key, -(now + leaseMs));
    return 'claimed';
  }

  complete(key: string, windowMs: number): void {
    this.remember(key, Date.now() + windowMs);
  }

  release(key: string): void {
    this.entries.delete(key);
  }

  private remember(key: string, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, expiresAt);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forgets up to 100 expired ids from the oldest end (amortised, so a claim stays cheap). */
  private sweep(now: number): void {
    let n = 0;
    for (const [key, entry] of this.entries) {
      if (Math.abs(entry) > now || ++n > 100) return;
      this.entries.delete(key);
    }
  }
}

/**
 * The part of an ioredis client (or of any client with the same call shapes)
 * that {@link RedisDedupeStore} uses.
 */
export interface RedisLikeClient {
  set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ttl: number): Promise<string | null>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
}

/** Options of {@link RedisDedupeStore}. */
export interface RedisDedupeStoreOptions {
  /**
   * Name of the service whose handlers use the store: part of every key, so
   * that two services with handlers of the same name sharing one Redis never
   * drop each other's events.
   */
  service: string;
  /**
   * Prefix of the keys, before the service's name.
   * @default 'nestjs-messaging:dedupe:'
   */
  keyPrefix?: string;
}

/**
 * A {@link DedupeStore} in Redis, shared by every instance of a service:
 * `SET key processing PX lease NX` to claim (and `GET key` to tell a done
 * message from one being handled), `SET key done PX window` when the handler
 * succeeded, `DEL key` when it failed. Give it an ioredis client you
 * own (the library does not import ioredis) and close that client yourself.
 *
 * @throws Error when `service` is missing or empty.
 * @example
 * const store = new RedisDedupeStore(new Redis({ host: '127.0.0.1', port: 6379 }), { service: 'billing' });
 * messagingMicroservice(options, { handlers: { dedupe: { store } } })
 */
export class RedisDedupeStore implements DedupeStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisLikeClient,
    options: RedisDedupeStoreOptions,
  ) {
    if (typeof options?.service !== 'string' || options.service.length === 0) {
      throw new Error("RedisDedupeStore needs the service's name ({ service: 'billing' }): keys of services sharing a Redis must not collide");
    }
    this.prefix = `${options.keyPrefix ?? 'nestjs-messaging:dedupe:'}${options.service}:`;
  }

  async claim(key: string, leaseMs: number): Promise<DedupeClaim> {
    const ttl = Math.max(1, Math.round(leaseMs));
    for (let tries = 0; tries < 3; tries++) {
      if ((await this.redis.set(this.prefix + key, 'processing', 'PX', ttl, 'NX')) === 'OK') return 'claimed';
      const state = await this.redis.get(this.prefix + key);
      if (state === 'done' || state === 'processing') return state;
      // It expired between the two commands: claim again.
    }
    return 'processing';
  }

  async complete(key: string, windowMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, 'done', 'PX', Math.max(1, Math.round(windowMs)));
  }

  async release(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
