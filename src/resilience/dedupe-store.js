"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedisDedupeStore = exports.MemoryDedupeStore = void 0;
/**
 * A bounded in-memory {@link DedupeStore} with a TTL per id: right for one
 * instance. Several instances of a service need a shared store ({@link RedisDedupeStore}).
 *
 * @example
 * MessagingModule.forRoot({ clients: [], handlers: { dedupe: { store: new MemoryDedupeStore({ maxEntries: 10_000 }) } } })
 */
class MemoryDedupeStore {
    entries = new Map();
    maxEntries;
    constructor(options = {}) {
        this.maxEntries = options.maxEntries ?? 100_000;
    }
    /** Ids remembered now (expired ones may still count until they are swept). */
    get size() {
        return this.entries.size;
    }
    claim(key, ttl) {
        const now = Date.now();
        this.sweep(now);
        const expiresAt = this.entries.get(key);
        if (expiresAt !== undefined && expiresAt > now)
            return false;
        this.entries.delete(key);
        this.entries.set(key, now + ttl);
        if (this.entries.size > this.maxEntries)
            this.entries.delete(this.entries.keys().next().value);
        return true;
    }
    release(key) {
        this.entries.delete(key);
    }
    /** Forgets up to 100 expired ids from the oldest end (amortised, so a claim stays cheap). */
    sweep(now) {
        let n = 0;
        for (const [key, expiresAt] of this.entries) {
            if (expiresAt > now || ++n > 100)
                return;
            this.entries.delete(key);
        }
    }
}
exports.MemoryDedupeStore = MemoryDedupeStore;
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
class RedisDedupeStore {
    redis;
    prefix;
    constructor(redis, options = {}) {
        this.redis = redis;
        this.prefix = options.keyPrefix ?? 'nestjs-messaging:dedupe:';
    }
    async claim(key, ttl) {
        return (await this.redis.set(this.prefix + key, '1', 'PX', Math.max(1, Math.round(ttl)), 'NX')) === 'OK';
    }
    async release(key) {
        await this.redis.del(this.prefix + key);
    }
}
exports.RedisDedupeStore = RedisDedupeStore;
