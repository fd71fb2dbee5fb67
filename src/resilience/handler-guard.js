"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HandlerGuards = exports.DEFAULT_DEDUPE_WINDOW = void 0;
const rxjs_1 = require("rxjs");
const dedupe_store_1 = require("./dedupe-store");
const in_flight_1 = require("./in-flight");
const payload_size_1 = require("./payload-size");
/** Default dedupe window: 10 minutes. */
exports.DEFAULT_DEDUPE_WINDOW = 600_000;
/**
 * The handler side of resilience, run by MessagingInterceptor around each
 * handled message: holds the message's in-flight entry (graceful shutdown)
 * until the handler's result is sent, refuses payloads over `maxPayloadSize`,
 * and drops event redeliveries (`dedupe`).
 * @internal
 */
class HandlerGuards {
    defaultStore;
    settings = new WeakMap();
    /** Settings of a handler, resolved once. */
    resolve(handler, isEvent, handlerOptions, moduleOptions) {
        let s = this.settings.get(handler);
        if (s)
            return s;
        const maxPayloadSize = handlerOptions?.maxPayloadSize ?? moduleOptions?.maxPayloadSize ?? false;
        const own = handlerOptions?.dedupe;
        const shared = moduleOptions?.dedupe;
        const chosen = own ?? shared;
        let dedupe;
        if (isEvent && chosen) {
            const ownObj = typeof own === 'object' ? own : undefined;
            const sharedObj = typeof shared === 'object' ? shared : undefined;
            dedupe = {
                window: ownObj?.window ?? sharedObj?.window ?? exports.DEFAULT_DEDUPE_WINDOW,
                store: ownObj?.store ?? sharedObj?.store ?? (this.defaultStore ??= new dedupe_store_1.MemoryDedupeStore()),
            };
        }
        s = { maxPayloadSize, dedupe };
        this.settings.set(handler, s);
        return s;
    }
    /** Wraps the handler's Observable. */
    guard(source, settings, data, metadata, handlerKey, fields, logger) {
        // Nothing to do (the default): no wrapper, no cost.
        if (settings.maxPayloadSize === false && !settings.dedupe && !(0, in_flight_1.isTrackedInFlight)())
            return source;
        return new rxjs_1.Observable((subscriber) => {
            const release = (0, in_flight_1.holdInFlight)();
            // Released a loop turn after the handler's stream ends: Nest writes the reply on the next tick.
            subscriber.add(() => setImmediate(release));
            const tooLarge = (0, payload_size_1.checkPayloadSize)(data, settings.maxPayloadSize, 'handler', fields);
            if (tooLarge) {
                subscriber.error(tooLarge);
                return;
            }
            const dedupe = settings.dedupe;
            if (!dedupe) {
                subscriber.add(source.subscribe(subscriber));
                return;
            }
            const key = `${handlerKey}:${metadata.messageId}`;
            let inner;
            const run = () => {
                if (subscriber.closed)
                    return;
                inner = source.subscribe({
                    next: (v) => subscriber.next(v),
                    error: (err) => {
                        // The handler failed: forget the id so that a redelivery is handled.
                        void Promise.resolve()
                            .then(() => dedupe.store.release(key))
                            .catch(() => undefined);
                        subscriber.error(err);
                    },
                    complete: () => subscriber.complete(),
                });
                subscriber.add(inner);
            };
            Promise.resolve()
                .then(() => dedupe.store.claim(key, dedupe.window))
                .then((first) => {
                if (first)
                    return run();
                logger.log(`dropped a duplicate of event message ${metadata.messageId} [correlationId=${metadata.correlationId}] (${handlerKey})`);
                subscriber.complete();
            }, (err) => {
                // The store is down: handle the message (at-least-once) rather than lose it.
                logger.warn(`dedupe store failed (${err instanceof Error ? err.message : String(err)}); handling message ${metadata.messageId} anyway`);
                run();
            });
        });
    }
}
exports.HandlerGuards = HandlerGuards;
