import type { UnknownPropertiesMode } from '../contract/contract-codec';
import type { DedupeStore } from '../resilience/dedupe-store';
/** How an event handler drops redeliveries (see {@link MessagingHandlerOptions.dedupe}). */
export interface DedupeOptions {
    /**
     * Milliseconds a handled message id is remembered.
     * @default 600000 (10 minutes)
     */
    window?: number;
    /**
     * Where ids are remembered.
     * @default one MemoryDedupeStore (100,000 ids at most) per module that hosts handlers
     */
    store?: DedupeStore;
}
/** How the library's handlers treat payloads and errors. Set it in `MessagingModule.forRoot({ handlers })` or per handler. */
export interface MessagingHandlerOptions {
    /**
     * Payload properties that the DTO does not declare: `'reject'` makes the
     * payload invalid (INVALID_ARGUMENT), `'strip'` removes them.
     * @default 'reject'
     */
    unknownProperties?: UnknownPropertiesMode;
    /**
     * Send the message and stack of unexpected errors to the caller in
     * `details`. For development only: they may hold secrets.
     * @default false
     */
    exposeErrors?: boolean;
    /**
     * Largest payload a handler accepts, in bytes of UTF-8 JSON: a larger one
     * fails with MessagingPayloadTooLargeError (RESOURCE_EXHAUSTED) before it is
     * decoded (an event is logged and dropped). Costs one `JSON.stringify` per
     * message. On TCP, keep Nest's `maxBufferSize` (in characters) above it: a
     * frame over that closes the connection, failing every call on it.
     * @default false (no limit)
     */
    maxPayloadSize?: number | false;
    /**
     * Event handlers (`@EventHandler`) only: handle each message id once within
     * a window, dropping redeliveries (retries, at-least-once brokers). The id is
     * the library's `msg-id` (a plain Nest sender has none: its events are never
     * dropped). If the handler fails, the id is forgotten so that a redelivery is
     * handled. `true` uses the defaults.
     * @default false
     */
    dedupe?: boolean | DedupeOptions;
}
/** Metadata keys the handler decorators set. @internal */
export declare const CONTRACT_METADATA = "nestjs-messaging:contract";
/** @internal */
export declare const HANDLER_OPTIONS_METADATA = "nestjs-messaging:handler-options";
/** `'event'` on handlers made by `@EventHandler`. @internal */
export declare const HANDLER_KIND_METADATA = "nestjs-messaging:handler-kind";
