import { Logger } from '@nestjs/common';
import { BaseRpcContext, Server, Transport, type CustomTransportStrategy, type MessageHandler, type MsPattern } from '@nestjs/microservices';
import { finalize, type Observable } from 'rxjs';
import { currentInbound } from '../context/message-context';
import { MessagingErrorCode } from '../errors/error-codes';
import type { HandlerObserver, MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { drainGracefully } from '../server/graceful-drain';
import { InboundPipeline, type NestHandler } from '../server/inbound-pipeline';
import type { MessagingServerOptions } from '../server/server.options';
import { packetFieldCarrier } from '../wire/transports/packet-field';
import type { Delivery, EndpointServer, InMemoryNetwork } from './in-memory-network';

/** The transport id Nest's processing hooks get from a server that stands in for no particular transport. */
const IN_MEMORY = Symbol.for('nestjs-messaging:in-memory');

/** What Nest answers a request whose pattern no handler serves (the library reads it as UNIMPLEMENTED). */
const NO_MESSAGE_HANDLER = 'There is no matching message handler defined in the remote service.';

/**
 * The in-memory transport carries the metadata as TCP does, in the packet's
 * `metadata` field: clients use the library's TCP serializer, and the
 * pipeline reads the field the server caught off the packet.
 */
const inMemoryCarrier = packetFieldCarrier(Transport.TCP, 'in-memory');

/**
 * The RPC context of a message that came over the in-memory transport, as
 * `@Ctx()` shows it: the pattern and the packet's metadata (like Nest 12's
 * `TcpContext`, on both majors).
 * @example
 * @MessagePattern('ping')
 * ping(@Ctx() ctx: InMemoryContext) { return ctx.getEndpoint(); }
 */
export class InMemoryContext extends BaseRpcContext<[pattern: string, endpoint: string, metadata: Record<string, string> | undefined]> {
  /** The pattern, as text. */
  getPattern(): string {
    return this.args[0];
  }

  /** The in-memory endpoint (server name) the message was sent to. */
  getEndpoint(): string {
    return this.args[1];
  }

  /** The metadata the client attached to the packet, if any. */
  getMetadata(): Record<string, string> | undefined {
    return this.args[2];
  }
}

/** What `unwrap()` returns: the endpoint the server listens on. */
export interface InMemoryServerInfo {
  /** The endpoint's name. */
  readonly endpoint: string;
}

/** The deliveries of events being handled, by their context: the recorder learns how each ended. */
const eventDeliveries = new WeakMap<object, { failure: unknown }>();

/** Tells the recorder why an event's handling failed (what the handler threw, or why the pipeline refused it). */
const eventOutcomes: MessagingInstrumentation = {
  startHandler: (info): HandlerObserver | undefined => {
    if (info.kind !== 'event') return undefined;
    const slot = eventDeliveries.get(currentInbound()?.context as object);
    if (!slot) return undefined;
    return {
      run: (fn) => fn(),
      end: (error) => {
        if (error !== undefined && slot.failure === undefined) slot.failure = error;
      },
    };
  },
};

/**
 * A server strategy that receives messages in process, from the in-memory
 * clients of its harness, and runs them through the library's inbound
 * pipeline exactly as `messagingMicroservice()`'s TCP server does: message
 * context, deadlines, contracts, dedupe, the error model, graceful shutdown.
 * Nest dispatches them with its own guards, pipes, interceptors and filters.
 * Made by `MessagingTestHarness.microservice(endpoint)`.
 * @example
 * const app = await NestFactory.createMicroservice(UsersModule, { ...harness.microservice('users'), logger: false });
 * await app.listen(); // clients of the harness reach it as 'users'
 */
export class MessagingServerInMemory extends Server implements CustomTransportStrategy, EndpointServer {
  /** @internal */
  readonly pipeline: InboundPipeline;
  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');

  /** @internal (made by the harness) */
  constructor(
    private readonly network: InMemoryNetwork,
    /** The name clients reach this server by. */
    readonly endpoint: string,
    serverOptions: MessagingServerOptions = {},
    /**
     * The transport this server stands in for: Nest then serves only the
     * handlers pinned to it (`@MessagePattern(pattern, Transport.TCP)`) or to
     * none. Without it, every handler of the application is served.
     */
    transport?: Transport | symbol,
  ) {
    super();
    this.transportId = transport;
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    const instrumentation = [...(serverOptions.instrumentation ?? []), eventOutcomes];
    this.pipeline = new InboundPipeline({ carrier: inMemoryCarrier, tracked: this.gracePeriod > 0 }, { ...serverOptions, instrumentation });
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  private get hookId(): Transport | symbol {
    return this.transportId ?? IN_MEMORY;
  }

  /** Messages being handled (tracked only with a `gracePeriod`). */
  get inFlight() {
    return this.pipeline.inFlight;
  }

  /**
   * Starts taking the messages sent to its endpoint (Nest calls it on `listen()`).
   * Calls back with an `EADDRINUSE` error when another server of the harness listens there.
   */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    try {
      this.network.bind(this.endpoint, this);
    } catch (err) {
      return void callback(err);
    }
    this._status$.next('connected');
    callback();
  }

  /**
   * Stops taking messages. With a `gracePeriod`: refuses new requests
   * (UNAVAILABLE, retryable), lets those in flight finish; then the requests
   * still unanswered fail at their callers, as on a closed TCP connection.
   */
  async close(): Promise<void> {
    await drainGracefully(this.pipeline.inFlight, this.gracePeriod, () => undefined, this.shutdownLogger);
    this.network.unbind(this.endpoint, this);
    this._status$.next('disconnected');
  }

  /** The in-memory transport has no events to listen to. */
  on(): void {}

  /** The endpoint this server listens on. */
  unwrap<T>(): T {
    const info: InMemoryServerInfo = { endpoint: this.endpoint };
    return info as T;
  }

  /** Registers a handler (Nest calls it for each `@MessagePattern` / `@EventPattern`) behind the library's inbound pipeline. */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as MsPattern);
    const wrapped = this.pipeline.wrap(route, callback as NestHandler, isEventHandler, extras);
    super.addHandler(pattern, wrapped as MessageHandler, isEventHandler, extras);
  }

  /** One message from the network (called by the in-memory network): the message context opens now, as when a TCP frame is read. */
  accept(delivery: Delivery): void {
    const raw = JSON.parse(delivery.frame) as { id?: string; metadata?: unknown } | null;
    if (this.pipeline.inFlight.isDraining && raw?.id !== undefined) {
      delivery.respond(
        this.serializer.serialize({
          id: raw.id,
          isDisposed: true,
          err: {
            code: MessagingErrorCode.UNAVAILABLE,
            message: 'the server is shutting down and takes no new requests; retry (another instance)',
            retryable: true,
          },
        }),
      );
      return;
    }
    this.pipeline.receive(raw?.metadata, () => this.handleMessage(raw, delivery)).catch((err: unknown) => this.logger.error(err));
  }

  /** Nest's dispatch, as its TCP server does it (on both majors). */
  private async handleMessage(raw: unknown, delivery: Delivery): Promise<void> {
    const packet = (await this.deserializer.deserialize(raw)) as { pattern?: unknown; data?: unknown; id?: string; metadata?: Record<string, string> };
    const pattern = typeof packet.pattern === 'string' ? packet.pattern : JSON.stringify(packet.pattern);
    const context = new InMemoryContext([pattern, this.endpoint, packet.metadata]);
    const handler = this.getHandlerByPattern(pattern);
    if (packet.id === undefined) return this.handleInMemoryEvent(handler, pattern, packet.data, context, delivery);
    const id = packet.id;
    if (!handler) return void delivery.respond(this.serializer.serialize({ id, status: 'error', err: NO_MESSAGE_HANDLER }));
    return this.onProcessingStartHook(this.hookId, context, async () => {
      const response$: Observable<unknown> = this.transformToObservable(await handler(packet.data, context));
      this.send(response$.pipe(finalize(() => this.onProcessingEndHook?.(this.hookId, context))), (data) => {
        delivery.respond(this.serializer.serialize(Object.assign(data, { id })));
      });
    });
  }

  /** An event: like Nest's handleEvent, and the network learns how the handlers ended. */
  private async handleInMemoryEvent(
    handler: MessageHandler | null,
    pattern: string,
    data: unknown,
    context: InMemoryContext,
    delivery: Delivery,
  ): Promise<void> {
    if (!handler) {
      this.logger.error(`There is no matching event handler defined in the remote service. Event pattern: ${pattern}`);
      return delivery.consumed(new Error(`no event handler for ${pattern}`));
    }
    const slot = { failure: undefined as unknown };
    eventDeliveries.set(context, slot);
    return this.onProcessingStartHook(this.hookId, context, async () => {
      let result$: Observable<unknown>;
      try {
        result$ = this.transformToObservable(await handler(data, context));
      } catch (err) {
        delivery.consumed(err);
        throw err;
      }
      result$.pipe(finalize(() => this.onProcessingEndHook?.(this.hookId, context))).subscribe({
        error: (err: unknown) => delivery.consumed(slot.failure ?? err),
        complete: () => delivery.consumed(slot.failure),
      });
    });
  }
}
