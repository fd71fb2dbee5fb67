import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidMetadataError } from '../errors/messaging.errors';
import { assertValidAppMetadata, isValidId, newId, type AppMetadata, type MessageMetadata } from '../wire/message-metadata';
import type { Abortable, InFlightTracker } from './in-flight';

/**
 * What flows with the async context: the conversation's correlation id, the
 * message being handled (if any) and the application keys. Every message sent
 * inside it carries these.
 */
export interface MessageContextState {
  /** Correlation id that every message sent in this context carries. */
  readonly correlationId: string;
  /** Application keys (a tenant, a locale) that every message sent in this context carries. */
  readonly app: AppMetadata;
  /** The message being handled, when this context was opened by a handler. Its `messageId` becomes the causation id of what is sent. */
  readonly message?: MessageMetadata;
  /**
   * When the work of this context must be done, on this process's monotonic
   * clock (`performance.now()`). Calls made in the context get at most the time
   * left; none is sent once it has passed.
   */
  readonly deadline?: number;
  /**
   * In a handled message's context: aborted when the message's budget ends
   * or the server shuts down, so that a handler can stop its own work.
   * `undefined` in other contexts.
   */
  readonly signal?: AbortSignal;
}

/** What {@link runWithMessageContext} takes: everything is optional. */
export interface MessageContextInit {
  /** Correlation id; a new one is made when absent. Must be a valid id (see docs/wire-format.md). */
  correlationId?: string;
  /** Application keys (without the `app-` prefix). */
  app?: Record<string, string>;
  /**
   * Time budget of the work, in milliseconds from now: every call made in the
   * context gets at most what is left of it (an HTTP request's budget, say).
   */
  timeout?: number;
}

const storage = new AsyncLocalStorage<MessageContextState>();
const EMPTY_APP: AppMetadata = Object.freeze({});

/** The message context active here, if any. */
export function getMessageContext(): MessageContextState | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` in a new message context: every message sent from inside it, even
 * after an `await`, carries its correlation id and application keys. Use it
 * where no HTTP request or handled message opened one (a job, a CLI command).
 *
 * @throws InvalidMetadataError when the correlation id or an application key is invalid.
 * @example
 * await runWithMessageContext({ app: { tenant: 'acme' } }, () => client.request('ping', {}));
 */
export function runWithMessageContext<T>(init: MessageContextInit, fn: () => T): T {
  if (init.correlationId !== undefined && !isValidId(init.correlationId)) {
    throw new InvalidMetadataError('correlationId must be at most 128 characters of A-Z a-z 0-9 . _ : -');
  }
  const app = init.app ?? {};
  assertValidAppMetadata(app);
  if (init.timeout !== undefined && !(typeof init.timeout === 'number' && init.timeout > 0)) {
    throw new InvalidMetadataError('timeout must be a positive number of milliseconds');
  }
  const parentDeadline = storage.getStore()?.deadline;
  const own = init.timeout === undefined ? undefined : performance.now() + init.timeout;
  const deadline = own === undefined ? parentDeadline : parentDeadline === undefined ? own : Math.min(own, parentDeadline);
  return storage.run(
    { correlationId: init.correlationId ?? newId(), app: Object.freeze({ ...app }), deadline },
    fn,
  );
}

/**
 * Whole milliseconds left until the current context's deadline (0 once it has
 * passed); `undefined` when it has none.
 */
export function timeLeft(): number | undefined {
  const deadline = storage.getStore()?.deadline;
  return deadline === undefined ? undefined : Math.max(0, Math.floor(deadline - performance.now()));
}

/**
 * The context of one received message, opened by the library's server
 * strategy when the message is read (so its budget starts then) and filled in
 * by the inbound pipeline once the handler is known: the one async context of
 * the message, for the handler, everything it calls, and the error filter.
 * @internal
 */
export class InboundMessage implements MessageContextState, Abortable {
  correlationId = '';
  app: AppMetadata = EMPTY_APP;
  message?: MessageMetadata;
  deadline?: number;
  /** The packet-level `metadata` field, as the strategy read it off the packet (TCP, Redis, MQTT 3.1.1). */
  packetField: unknown;
  /** The transport's context object of the message (set at its first dispatch). */
  context: unknown;
  /** The payload as it arrived, before any decoding (chained event handlers each decode it). */
  payload: unknown;
  /** What the pipeline dispatched the message to (read by the handler's error filter). */
  route: unknown;
  /** The error a handler threw, as the error filter saw it before mapping it to the wire. */
  failure: unknown;
  /** Whether its handling ended ({@link settle}). */
  settled = false;
  private controller?: AbortController;
  private holds = 0;

  constructor(
    /** When the message was read, on `performance.now()`'s clock: its budget starts here. */
    readonly receivedAt: number,
    private readonly tracker?: InFlightTracker,
  ) {
    if (tracker) {
      tracker.enter(this);
      this.holds = 1;
    }
  }

  /** Fills in the decoded metadata. */
  setMetadata(message: MessageMetadata): void {
    this.message = message;
    this.correlationId = message.correlationId;
    this.app = message.app;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /**
   * Its handling ended: drops the payload, the transport's objects and the
   * route, which a handler still running (one that ignores its signal) would
   * otherwise keep alive through its async context. The metadata stays.
   */
  settle(): void {
    this.settled = true;
    this.payload = undefined;
    this.packetField = undefined;
    this.context = undefined;
    this.route = undefined;
    this.failure = undefined;
    // What a still-running handler needs (correlation id, application keys) stays; the metadata goes.
    this.message = undefined;
  }

  /** Aborts {@link signal} (only if somebody asked for it). */
  abort(reason: unknown): void {
    this.controller?.abort(reason);
  }

  /** What ends the message's handling silently when the server abandons it (its inbound call, while it runs). */
  handling: { abandonHandling(reason: unknown): void } | undefined;

  /** The server gave up on the message: aborts its signal, then ends its handling without a reply. */
  abandon(reason: unknown): void {
    this.abort(reason);
    const handling = this.handling;
    this.handling = undefined;
    handling?.abandonHandling(reason);
  }

  /** Whether a server tracks this message for graceful shutdown. */
  get tracked(): boolean {
    return this.tracker !== undefined;
  }

  /** Keeps the message in flight until the returned function is called. */
  hold(): () => void {
    if (!this.tracker) return noop;
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** Drops one hold (the strategy's own, taken at construction, when its handling settles). */
  release(): void {
    if (this.holds > 0 && --this.holds === 0) this.tracker?.leave(this);
  }
}

const noop = () => undefined;

/** Runs `fn` in the context of a received message. @internal */
export function runInbound<T>(message: InboundMessage, fn: () => T): T {
  return storage.run(message, fn);
}

/** The received message whose context is active here, if any. @internal */
export function currentInbound(): InboundMessage | undefined {
  const store = storage.getStore();
  return store instanceof InboundMessage ? store : undefined;
}
