import { Observable, type Observer } from 'rxjs';
import { InFlightTracker } from '../context/in-flight';
import { currentInbound, InboundMessage, runInbound } from '../context/message-context';
import { MemoryDedupeStore } from '../handler/dedupe-store';
import { handlerConfigOf } from '../handler/handler-config';
import { HandlerRoute } from '../handler/handler-route';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import type { Carrier } from '../wire/carriers';
import { decodeMetadata, type MessageMetadata } from '../wire/message-metadata';
import { MetadataLimits } from '../wire/metadata-keys';
import { DeadlineWheel } from './deadline-wheel';
import { FairQueue } from './fair-queue';
import { InboundCall } from './inbound-call';
import { InboundSteps, type NestHandler } from './inbound-steps';
import { PlainCall } from './plain-call';
import type { MessagingServerOptions } from './server.options';

export type { NestHandler } from './inbound-steps';

/** What {@link InboundPipeline.dispatchTo} returns when the result went to its observer. @internal */
export const OBSERVED: unique symbol = Symbol('observed');

/** The route and Nest's handler behind a handler that {@link InboundPipeline.wrap} made. */
interface Wrapped {
  readonly route: HandlerRoute;
  readonly callback: NestHandler;
}

/** What a strategy tells its pipeline about the transport. @internal */
export interface PipelineTransport {
  /** How metadata rides on the transport (its reader is used here). */
  readonly carrier: Carrier;
  /** Whether the transport can dead-letter an event whose handler refused it (RabbitMQ with a dead-letter queue). */
  readonly deadLetters?: boolean;
  /** Whether messages are tracked for graceful shutdown. */
  readonly tracked: boolean;
}

/**
 * The handler side of the library, run by its server strategies for every
 * transport. When a strategy reads a message it opens the message's one async
 * context ({@link receive}: the budget starts then); when Nest dispatches the
 * message to a handler, the handler that the strategy registered
 * ({@link wrap}) decodes the metadata with the transport's reader, checks the
 * deadline, the event's time to live and the payload size, claims the event
 * for dedupe, decodes the contract's payload, and calls Nest's handler, inside
 * which Nest's own guards, pipes, interceptors and filters run. Failures of
 * these steps become the structured wire error (requests) or a log line, a
 * count and a dead-letter (events).
 *
 * A plain `@MessagePattern` handler on the library's server runs in the
 * message context and nothing more, at the cost of decoding the metadata.
 * @internal
 */
export class InboundPipeline {
  /** Messages being handled, when tracked for graceful shutdown. */
  readonly inFlight = new InFlightTracker();
  /** The checks and decoding around handlers. @internal */
  readonly steps: InboundSteps;
  /** The transport's `messaging.system`. @internal */
  readonly system: string;
  private readonly appKeys: ReadonlySet<string> | undefined;
  /** @internal */
  readonly instruments: readonly MessagingInstrumentation[] | undefined;
  /** Requests whose handler runs, by deadline: they are ended when it passes. @internal */
  readonly deadlines = new DeadlineWheel();
  /** Starts handlers one per loop turn while the loop is behind. @internal */
  readonly queue = new FairQueue();
  private defaultStore?: MemoryDedupeStore;
  private readonly wrapped = new WeakMap<NestHandler, Wrapped>();

  constructor(
    /** @internal */
    readonly transport: PipelineTransport,
    private readonly options: MessagingServerOptions,
  ) {
    this.instruments = options.instrumentation?.some((i) => i.startHandler) ? options.instrumentation : undefined;
    this.steps = new InboundSteps(transport.carrier, transport.deadLetters === true);
    this.system = transport.carrier.system;
    this.appKeys = options.appKeys === undefined ? undefined : new Set(options.appKeys);
  }

  /**
   * Runs Nest's handling of one message (`handle`) in the message's context,
   * opened now: its budget starts when it is read.
   * @param packetField the packet-level `metadata` field, when the strategy has the packet at hand (TCP).
   * @param readAt when the message's bytes were read (`performance.now()`), if earlier than now.
   */
  receive<T>(packetField: unknown, handle: () => T, readAt = performance.now()): T {
    const message = new InboundMessage(readAt, this.transport.tracked ? this.inFlight : undefined);
    message.packetField = packetField;
    if (!message.tracked) return runInbound(message, handle);
    let result: T;
    try {
      result = runInbound(message, handle);
    } catch (err) {
      message.release();
      throw err;
    }
    if (result instanceof Promise) result.then(() => message.release(), () => message.release());
    else message.release();
    return result;
  }

  /**
   * The handler to register with Nest for `callback`: the pipeline, then
   * `callback`. Nest chains event handlers of one pattern through `next`,
   * which stays on `callback` (Nest's own handler calls it).
   * @param destination the pattern as Nest routes it (normalised).
   */
  wrap(destination: string, callback: NestHandler, isEvent: boolean, extras: unknown): NestHandler {
    const route = new HandlerRoute(destination, isEvent, handlerConfigOf(extras), this.options.handlers, () =>
      (this.defaultStore ??= new MemoryDedupeStore()),
    );
    const handler: NestHandler = (data, context, call) => this.dispatch(route, callback, data, context, call, undefined);
    this.wrapped.set(handler, { route, callback });
    Object.defineProperty(handler, 'next', {
      get: () => callback.next,
      set: (next: NestHandler | undefined) => {
        callback.next = next;
      },
      configurable: true,
    });
    return handler;
  }

  /**
   * Calls `handler` (one that {@link wrap} made) as Nest would, for a strategy
   * that answers the message itself: on the pipeline's full path the result
   * goes to `observer` (no Observable in between) and {@link OBSERVED} is
   * returned; otherwise what the handler returned (Nest's handler called as it is).
   * @internal
   */
  dispatchTo(handler: NestHandler, data: unknown, context: unknown, observer: Observer<unknown>): unknown {
    const wrapped = this.wrapped.get(handler);
    if (wrapped === undefined) return handler(data, context);
    return this.dispatch(wrapped.route, wrapped.callback, data, context, undefined, observer);
  }

  private dispatch(
    route: HandlerRoute,
    callback: NestHandler,
    data: unknown,
    context: unknown,
    call: unknown,
    observer: Observer<unknown> | undefined,
  ): unknown {
    const message = currentInbound();
    if (message === undefined || message.settled || (message.context !== undefined && message.context !== context)) {
      // Not inside a read of this strategy (a handler called directly), or another message nested in one's context.
      return runInbound(new InboundMessage(performance.now()), () => this.dispatch(route, callback, data, context, call, observer));
    }
    if (message.context === undefined) {
      message.context = context;
      message.payload = data;
      const metadata = this.allowed(decodeMetadata(this.transport.carrier.read(context, message.packetField)));
      message.setMetadata(metadata);
      if (route.kind === 'request' && metadata.timeoutMs !== undefined) message.deadline = this.deadlineOf(message, metadata);
    } else {
      // The next handler of an event's chain: it decodes the payload as it arrived, for itself.
      data = message.payload;
    }
    message.route = route;
    // Nothing to check, time or observe (a plain handler called without a budget): Nest's handler as it is,
    // unless the loop is behind (then it waits its turn in the queue, as every other message does).
    if (!route.guarded && message.deadline === undefined && this.instruments === undefined && !message.tracked) {
      if (this.queue.admit(message.receivedAt)) return call === undefined ? callback(data, context) : callback(data, context, call);
      if (observer !== undefined) {
        this.queue.start(new PlainCall(message, callback, data, context, call, observer), message.receivedAt, false);
        return OBSERVED;
      }
    }
    if (observer === undefined) return this.run(route, callback, message, data, context, call);
    new InboundCall(this, route, callback, message, data, context, call).start(observer);
    return OBSERVED;
  }

  /** The whole pipeline, as one Observable that ends when the handler's result has been sent. */
  private run(route: HandlerRoute, callback: NestHandler, message: InboundMessage, data: unknown, context: unknown, call: unknown): Observable<unknown> {
    return new Observable<unknown>((subscriber) => new InboundCall(this, route, callback, message, data, context, call).start(subscriber));
  }

  /**
   * The checks and decoding before the handler. Resolves to the payload to
   * hand to it, or DROPPED; rejects with the error that refuses the message.
   */
  /**
   * The metadata map of `message` as it arrived: string values only, at most
   * 64 entries of 8 KiB together (what the wire format allows), for an
   * instrumentation's propagator.
   * @internal
   */
  headersOf(message: InboundMessage): Readonly<Record<string, string>> {
    const raw = this.transport.carrier.read(message.context, message.packetField);
    const headers: Record<string, string> = {};
    if (raw === null || typeof raw !== 'object') return headers;
    let entries = 0;
    let size = 0;
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value !== 'string') continue;
      size += key.length + value.length;
      if (++entries > MetadataLimits.maxEntries || size > MetadataLimits.maxTotalLength) break;
      headers[key.toLowerCase()] = value;
    }
    return headers;
  }

  /** The metadata with only the application keys the server accepts (`appKeys`). */
  private allowed(metadata: MessageMetadata): MessageMetadata {
    const keys = this.appKeys;
    if (keys === undefined) return metadata;
    let app: Record<string, string> | undefined;
    for (const key in metadata.app) {
      if (keys.has(key)) (app ??= {})[key] = metadata.app[key]!;
    }
    return { ...metadata, app: app ?? {} };
  }

  /**
   * The request's deadline on this process's monotonic clock: the budget it
   * carries, counted from when it was read; with `clockSkewTolerance`, also
   * the sender's deadline by the wall clocks (which counts the time before the
   * read: in socket buffers, a broker queue, a stopped process).
   */
  private deadlineOf(message: InboundMessage, metadata: MessageMetadata): number {
    const budget = metadata.timeoutMs!;
    const tolerance = this.options.clockSkewTolerance;
    if (tolerance === undefined || metadata.sentAt === undefined) return message.receivedAt + budget;
    const leftBySender = metadata.sentAt + budget + tolerance - Date.now();
    return message.receivedAt + Math.min(budget, leftBySender);
  }
}

