/**
 * Where event handlers remember the message ids they have handled, to drop
 * redeliveries (see the `dedupe` handler option). Implement it over any shared
 * store; the library ships {@link MemoryDedupeStore} (one process) and
 * {@link RedisDedupeStore} (several instances).
 */
export interface DedupeStore {
  /**
   * Claims `key` for `ttl` milliseconds.
   * @returns true when nobody claimed it within the window (handle the message),
   *   false for a duplicate (drop it).
   */
  claim(key: string, ttl: number): boolean | Promise<boolean>;
  /** Gives up a claim, so that a redelivery is handled (called when the handler failed). */
  release(key: string): void | Promise<void>;
}

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
 * MessagingModule.forRoot({ clients: [], handlers: { dedupe: { store: new MemoryDedupeStore({ maxEntries: 10_000 }) } } })
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Ids remembered now (expired ones may still count until they are swept). */
  get size(): number {
    return this.entries.size;
  }

  claim(key: string, ttl: number): boolean {
    const now = Date.now();
    this.sweep(now);
    const expiresAt = this.entries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.entries.delete(key);
    this.entries.set(key, now + ttl);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return true;
  }

  release(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets up to 100 expired ids from the oldest end (amortised, so a claim stays cheap). */
  private sweep(now: number): void {
    let n = 0;
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > now || ++n > 100) return;
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
  del(key: string): Promise<number>;
}

/** Options of {@link RedisDedupeStore}. */
export interface RedisDedupeStoreOptions {
  /**
   * Prefix of the keys (e.g. the service's name, when several services share a Redis).
   * @default 'nestjs-messaging:dedupe:'
   */
  keyPrefix?: string;
}

/**
 * A {@link DedupeStore} in Redis (`SET key 1 PX ttl NX`), shared by every
 * instance of a service. Give it an ioredis client you own (ioredis is an
 * optional peer dependency; the library does not import it) and close that
 * client yourself.
 *
 * @example
 * const store = new RedisDedupeStore(new Redis({ host: '127.0.0.1', port: 6379 }), { keyPrefix: 'billing:dedupe:' });
 * MessagingModule.forRoot({ clients: [], handlers: { dedupe: { store } } })
 */
export class RedisDedupeStore implements DedupeStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisLikeClient,
    options: RedisDedupeStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'nestjs-messaging:dedupe:';
  }

  async claim(key: string, ttl: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, '1', 'PX', Math.max(1, Math.round(ttl)), 'NX')) === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
