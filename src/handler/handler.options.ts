import type { UnknownPropertiesMode } from '../contract/contract-codec';
import type { DedupeStore } from './dedupe-store';

/** How an event handler drops redeliveries (see {@link MessagingHandlerOptions.dedupe}). */
export interface DedupeOptions {
  /**
   * Milliseconds a handled message id is remembered.
   * @default 600000 (10 minutes)
   */
  window?: number;
  /**
   * Where ids are remembered.
   * @default one MemoryDedupeStore (100,000 ids at most) per server
   */
  store?: DedupeStore;
  /**
   * Milliseconds a message stays claimed while its handler runs. A second
   * delivery that arrives meanwhile waits (its broker delivery unsettled)
   * until the first is done (then it is dropped as a duplicate) or its lease
   * runs out (its process died mid-handler: then this delivery is handled).
   * Keep it above the handler's longest run.
   * @default 30000
   */
  lease?: number;
  /**
   * Milliseconds to wait for the store (a claim, a completion). A store that
   * does not answer in time is treated as down: the message is handled
   * anyway (at-least-once rather than lost), and the outage is logged once,
   * with a count of the messages it affected when the store answers again.
   * @default 1000
   */
  claimTimeout?: number;
}

/**
 * How the library's handlers (`@MessageHandler`, `@EventHandler`) treat
 * payloads and errors. Give defaults for every handler of a server in
 * `messagingMicroservice(options, { handlers })`, and override them per handler
 * in the decorator's options.
 */
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
   * dropped). The id is claimed for a short lease while the handler runs, then
   * marked done for the window once it succeeded; if the handler fails, the id
   * is forgotten so that a redelivery is handled. `true` uses the defaults.
   * @default false
   */
  dedupe?: boolean | DedupeOptions;
  /**
   * Event handlers only: what becomes of an event whose payload breaks its
   * contract (or names a version the contract does not have). Either way it is
   * not handled, it is logged once (correlation id, pattern and the failing
   * field paths, never the values) and counted by the instrumentation.
   * `'dead-letter'`: sent to the transport's dead-letter route where it has one
   * (the dead-letter queue of the library's RabbitMQ server), else dropped.
   * `'drop'`: dropped (acknowledged) on every transport.
   * @default 'dead-letter'
   */
  invalidEvents?: 'dead-letter' | 'drop';
}
