import { checkHandlerOptions } from '../handler/handler-options.validate';
import type { MessagingHandlerOptions } from '../handler/handler.options';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';

/** How the library's RabbitMQ server acknowledges and dead-letters messages. */
export interface RmqDeliveryOptions {
  /**
   * Messages the broker may deliver before the earlier ones are acknowledged
   * (AMQP prefetch). Overridden by Nest's `prefetchCount` option when that is given.
   * @default 20
   */
  prefetch?: number;
  /**
   * Queue that receives events whose handler failed for good (a non-retryable
   * error, or `maxDeliveries` failures), with the error in the
   * `x-messaging-error` header. `false`: such events are dropped (acknowledged).
   * @default `<queue>.dead-letter`
   */
  deadLetterQueue?: string | false;
  /**
   * How many times an event is handled before it is dead-lettered, when its
   * handler keeps failing with a retryable error (any error whose `retryable`
   * is not false and whose code is not a caller error such as INVALID_ARGUMENT).
   * @default 3
   */
  maxDeliveries?: number;
  /**
   * Options of the dead-letter queue, as amqplib's `assertQueue` takes them.
   * @default { durable: true }
   */
  deadLetterQueueOptions?: Record<string, unknown>;
}

/**
 * What any peer can make the library's TCP server hold: the limits that keep
 * a flood of connections, huge declared frames or never-finished frames from
 * exhausting its memory. Each is per server.
 */
export interface TcpServerLimits {
  /**
   * Longest frame a connection may send, in characters (Nest's length prefix
   * counts JavaScript characters). A frame that declares more is refused at
   * its prefix, before its body is read: the connection is closed and the
   * peer's address logged (once a minute per address). Frames up to it are
   * read, so that a payload over `handlers.maxPayloadSize` gets a typed
   * RESOURCE_EXHAUSTED answer rather than a closed connection.
   * @default twice `handlers.maxPayloadSize` + 65536, and at least 16 MiB (16777216)
   */
  maxFrameLength?: number;
  /**
   * Bytes of unfinished frames that all connections together may make the
   * server hold; the connection whose data would go over it is closed.
   * @default 268435456 (256 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Open connections at most; more are closed as they arrive (Node's
   * `server.maxConnections`).
   * @default 10000
   */
  maxConnections?: number;
  /**
   * Milliseconds a frame may stay unfinished before its connection is closed.
   * @default 30000 (Nest's `incompleteMessageTimeout`)
   */
  incompleteFrameTimeout?: number;
  /**
   * Bytes of replies queued for a peer that does not read them before its
   * connection is closed.
   * @default 67108864 (64 MiB)
   */
  maxSendBufferSize?: number;
}

/** Options of the library's server strategies (the second argument of `messagingMicroservice`). */
export interface MessagingServerOptions {
  /**
   * Defaults of every `@MessageHandler` / `@EventHandler` this server runs,
   * whichever module declares it (a decorator's own options win).
   */
  handlers?: MessagingHandlerOptions;
  /**
   * Instrumentations that observe every message this server handles (tracing,
   * metrics), e.g. `new OpenTelemetryInstrumentation()` from
   * `nestjs-messaging/opentelemetry`. Give the clients theirs in `MessagingModule.forRoot`.
   */
  instrumentation?: MessagingInstrumentation[];
  /**
   * The application keys (`app-*` metadata: a tenant, a locale) this server
   * accepts from its callers; others are dropped when a message is read, so
   * they neither reach handlers nor travel further down the call chain. Any
   * caller can set application keys: a server reachable by callers you do not
   * trust should list the ones it expects.
   * @default undefined (every key the metadata rules allow)
   */
  appKeys?: readonly string[];
  /**
   * Also check a request's deadline by the wall clocks: the sender's
   * `msg-sent-at` plus its budget, against this server's clock, allowing this
   * many milliseconds of skew between the two. This counts the time a request
   * spent before the server read it (in socket buffers, a broker queue, a
   * stopped process), which the budget counted from the read cannot see; it
   * needs clocks kept in sync (NTP), and a skew larger than the tolerance
   * makes the server refuse requests early (sender ahead) or late (behind).
   * Without it (the default) clocks do not matter: the budget runs from the read.
   * @default undefined (off)
   */
  clockSkewTolerance?: number;
  /** RabbitMQ only: acknowledgement, prefetch and dead-lettering (see `MessagingServerRMQ`). */
  rmq?: RmqDeliveryOptions;
  /** TCP only: what a peer can make the server hold (see {@link TcpServerLimits}). */
  tcp?: TcpServerLimits;
  /**
   * Graceful shutdown: on close, stop taking new messages, wait up to this
   * many milliseconds for the handlers in flight to finish (their replies are
   * sent, their deliveries settled), then abort the `AbortSignal` of those
   * still running, send nothing more for them, and close. How new messages
   * are refused depends on the transport: TCP stops accepting connections and
   * answers requests on open ones with a retryable UNAVAILABLE; Redis and MQTT
   * unsubscribe (other instances get the messages; events published meanwhile
   * are not kept for this one); NATS drains its subscriptions (what was routed
   * here is still handled); RabbitMQ cancels its consumer, and deliveries not
   * acknowledged by then are redelivered by the broker. `0`: close at once, as
   * Nest does. Nest closes the server on `app.close()`, and on SIGTERM when
   * `app.enableShutdownHooks()` was called.
   * @default 0
   */
  gracePeriod?: number;
}

/**
 * Checks server options; returns a list of problems, each saying what to do.
 * @internal
 */
export function checkServerOptions(options: MessagingServerOptions | undefined): string[] {
  if (options === undefined) return [];
  const problems: string[] = [];
  const g = options.gracePeriod;
  if (g !== undefined && !(typeof g === 'number' && Number.isFinite(g) && g >= 0)) {
    problems.push(`messagingMicroservice: gracePeriod is ${String(g)}: give milliseconds >= 0 (0 closes at once)`);
  }
  const skew = options.clockSkewTolerance;
  if (skew !== undefined && !(typeof skew === 'number' && Number.isFinite(skew) && skew >= 0)) {
    problems.push(`messagingMicroservice: clockSkewTolerance is ${String(skew)}: give milliseconds >= 0 (e.g. 250 with NTP-synced clocks)`);
  }
  problems.push(...checkHandlerOptions('messagingMicroservice: handlers options', options.handlers));
  if (options.appKeys !== undefined && (!Array.isArray(options.appKeys) || options.appKeys.some((k) => typeof k !== 'string'))) {
    problems.push("messagingMicroservice: appKeys must be an array of application key names, e.g. ['tenant', 'locale']");
  }
  for (const [key, value] of Object.entries(options.tcp ?? {})) {
    if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
      problems.push(`messagingMicroservice: tcp.${key} is ${String(value)}: give a whole number > 0`);
    }
  }
  const inst = options.instrumentation;
  if (inst !== undefined && (!Array.isArray(inst) || inst.some((i) => i === null || typeof i !== 'object'))) {
    problems.push('messagingMicroservice: instrumentation must be an array of instrumentations, e.g. [new OpenTelemetryInstrumentation()]');
  }
  return problems;
}
