import type { Logger } from '@nestjs/common';
import { Observable, type Subscription } from 'rxjs';
import type { MessagingErrorFields } from '../errors/messaging.errors';
import type { MessagingHandlerOptions } from '../handler/handler.options';
import type { MessageMetadata } from '../metadata/message-metadata';
import { MemoryDedupeStore, type DedupeStore } from './dedupe-store';
import { holdInFlight, isTrackedInFlight } from './in-flight';
import { checkPayloadSize } from './payload-size';

/** A handler's resilience settings, resolved from its options and the module's. @internal */
export interface HandlerGuardSettings {
  readonly maxPayloadSize: number | false;
  readonly dedupe?: { readonly window: number; readonly store: DedupeStore };
}

/** Default dedupe window: 10 minutes. */
export const DEFAULT_DEDUPE_WINDOW = 600_000;

/**
 * The handler side of resilience, run by MessagingInterceptor around each
 * handled message: holds the message's in-flight entry (graceful shutdown)
 * until the handler's result is sent, refuses payloads over `maxPayloadSize`,
 * and drops event redeliveries (`dedupe`).
 * @internal
 */
export class HandlerGuards {
  private defaultStore?: MemoryDedupeStore;
  private readonly settings = new WeakMap<object, HandlerGuardSettings>();

  /** Settings of a handler, resolved once. */
  resolve(
    handler: object,
    isEvent: boolean,
    handlerOptions: MessagingHandlerOptions | undefined,
    moduleOptions: MessagingHandlerOptions | undefined,
  ): HandlerGuardSettings {
    let s = this.settings.get(handler);
    if (s) return s;
    const maxPayloadSize = handlerOptions?.maxPayloadSize ?? moduleOptions?.maxPayloadSize ?? false;
    const own = handlerOptions?.dedupe;
    const shared = moduleOptions?.dedupe;
    const chosen = own ?? shared;
    let dedupe: HandlerGuardSettings['dedupe'];
    if (isEvent && chosen) {
      const ownObj = typeof own === 'object' ? own : undefined;
      const sharedObj = typeof shared === 'object' ? shared : undefined;
      dedupe = {
        window: ownObj?.window ?? sharedObj?.window ?? DEFAULT_DEDUPE_WINDOW,
        store: ownObj?.store ?? sharedObj?.store ?? (this.defaultStore ??= new MemoryDedupeStore()),
      };
    }
    s = { maxPayloadSize, dedupe };
    this.settings.set(handler, s);
    return s;
  }

  /** Wraps the handler's Observable. */
  guard(
    source: Observable<unknown>,
    settings: HandlerGuardSettings,
    data: unknown,
    metadata: MessageMetadata,
    handlerKeyOf: () => string,
    fields: MessagingErrorFields,
    logger: Logger,
  ): Observable<unknown> {
    // Nothing to do (the default): no wrapper, no cost.
    if (settings.maxPayloadSize === false && !settings.dedupe && !isTrackedInFlight()) return source;
    return new Observable((subscriber) => {
      const release = holdInFlight();
      // Released a loop turn after the handler's stream ends: Nest writes the reply on the next tick.
      subscriber.add(() => setImmediate(release));
      const tooLarge = checkPayloadSize(data, settings.maxPayloadSize, 'handler', fields);
      if (tooLarge) {
        subscriber.error(tooLarge);
        return;
      }
      const dedupe = settings.dedupe;
      if (!dedupe) {
        subscriber.add(source.subscribe(subscriber));
        return;
      }
      const handlerKey = handlerKeyOf();
      const key = `${handlerKey}:${metadata.messageId}`;
      let inner: Subscription | undefined;
      const run = () => {
        if (subscriber.closed) return;
        inner = source.subscribe({
          next: (v) => subscriber.next(v),
          error: (err: unknown) => {
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
        .then(
          (first) => {
            if (first) return run();
            logger.log(`dropped a duplicate of event message ${metadata.messageId} [correlationId=${metadata.correlationId}] (${handlerKey})`);
            subscriber.complete();
          },
          (err: unknown) => {
            // The store is down: handle the message (at-least-once) rather than lose it.
            logger.warn(`dedupe store failed (${err instanceof Error ? err.message : String(err)}); handling message ${metadata.messageId} anyway`);
            run();
          },
        );
    });
  }
}
