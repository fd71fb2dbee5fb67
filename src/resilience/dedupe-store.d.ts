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
export declare class MemoryDedupeStore implements DedupeStore {
    private readonly entries;
    private readonly maxEntries;
    constructor(options?: MemoryDedupeStoreOptions);
    /** Ids remembered now (expired ones may still count until they are swept). */
    get size(): number;
    claim(key: string, ttl: number): boolean;
    release(key: string): void;
    /** Forgets up to 100 expired ids from the oldest end (amortised, so a claim stays cheap). */
    private sweep;
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
export declare class RedisDedupeStore implements DedupeStore {
    private readonly redis;
    private readonly prefix;
    constructor(redis: RedisLikeClient, options?: RedisDedupeStoreOptions);
    claim(key: string, ttl: number): Promise<boolean>;
    release(key: string): Promise<void>;
}
