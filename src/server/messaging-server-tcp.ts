import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { isObservable } from 'rxjs';
import { ServerTCP, TcpContext, type TcpOptions, type TcpSocket } from '@nestjs/microservices';
import { MessagingErrorCode } from '../errors/error-codes';
import { CONTEXT_HAS_METADATA } from '../nest/features';
import { tcpCarrier } from '../wire/transports/tcp';
import { FrameSocket, type FrameSocketOptions } from '../wire/transports/tcp-framing';
import { DirectReply, type ReplyPacket } from './direct-reply';
import { InboundPipeline, OBSERVED, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';
import { tcpLimits, type ResolvedTcpLimits } from './tcp-limits';
import { drainGracefully } from './graceful-drain';

type TcpServerOptions = NonNullable<TcpOptions['options']>;

/** Most patterns (as they arrive) whose route is kept. */
const MAX_CACHED_ROUTES = 1000;

/**
 * Nest's TCP server running the library's inbound pipeline (see
 * `messagingMicroservice`): the message context opens when a frame is read,
 * the packet's `metadata` field is read on Nest 11 as on Nest 12, and, with a
 * `gracePeriod`, shutdown is graceful. Use it through {@link messagingMicroservice}.
 */
export class MessagingServerTCP extends ServerTCP {
  /** @internal */
  readonly pipeline: InboundPipeline;
  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');
  private readonly limits: ResolvedTcpLimits | undefined;
  private readonly routes = new Map<string, NonNullable<ReturnType<ServerTCP['getHandlerByPattern']>>>();
  /** Connections not read while the fair queue drains (see {@link holdReads}). */
  private readonly heldSockets = new Set<FrameSocket>();
  /**
   * Whether messages are dispatched and answered directly (see {@link onFrame}): Nest's own serializer and
   * deserializer, and no processing hooks set.
   */
  private direct: boolean;

  constructor(options: TcpServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super(options);
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.pipeline = new InboundPipeline({ carrier: tcpCarrier, tracked: this.gracePeriod > 0 }, serverOptions);
    this.direct = options.serializer === undefined && options.deserializer === undefined;
    // A socket class of the application's own is used as it is (its limits are its own).
    if (options.socketClass === undefined) {
      this.limits = tcpLimits(serverOptions, this.shutdownLogger);
      this.server.maxConnections = this.limits.maxConnections;
    }
  }

  /** Reads and writes Nest's framing with the library's limits (see `TcpServerLimits`). */
  protected override getSocketInstance(socket: Socket): TcpSocket {
    return this.limits ? new RequestSocket(socket, this.limits.frames, this) : super.getSocketInstance(socket);
  }

  override setOnProcessingStartHook(...args: Parameters<ServerTCP['setOnProcessingStartHook']>): void {
    this.direct = false;
    super.setOnProcessingStartHook(...args);
  }

  override setOnProcessingEndHook(...args: Parameters<ServerTCP['setOnProcessingEndHook']>): void {
    this.direct = false;
    super.setOnProcessingEndHook(...args);
  }

  /** Messages being handled (tracked only with a `gracePeriod`). */
  get inFlight() {
    return this.pipeline.inFlight;
  }

  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as never);
    super.addHandler(pattern, this.pipeline.wrap(route, callback, isEventHandler, extras) as never, isEventHandler, extras);
    this.routes.clear();
  }

  /**
   * Nest parses the pattern of every message again (`JSON.parse`, and for a
   * string pattern a thrown and caught SyntaxError) and rebuilds its route;
   * the routes of the patterns seen are kept instead (those of registered
   * handlers only, so a peer cannot grow the cache).
   */
  override getHandlerByPattern(pattern: string): ReturnType<ServerTCP['getHandlerByPattern']> {
    const cached = this.routes.get(pattern);
    if (cached !== undefined) return cached;
    const handler = super.getHandlerByPattern(pattern);
    if (handler && this.routes.size < MAX_CACHED_ROUTES) this.routes.set(pattern, handler);
    return handler;
  }

  override handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    const packet = rawMessage as { id?: string; metadata?: unknown } | null;
    if (this.refusedWhileDraining(socket, packet)) return Promise.resolve();
    return this.pipeline.receive(packet?.metadata, () => super.handleMessage(socket, rawMessage));
  }

  /**
   * A frame read by one of the server's sockets. With Nest's own serializer
   * and deserializer and no processing hooks, the message is dispatched and
   * answered here, as Nest's `handleMessage`, `handleEvent` and `send` do it
   * (same handler call, same context, same reply packets), without their
   * chain of promises and operators per message: on Node 20 each promise made
   * in a message's async context also runs the async hooks. Otherwise, and for
   * a pattern without a handler, Nest's `handleMessage` runs. The message's
   * budget starts at `readAt`, when its bytes were read: handlers that start at
   * once run while the frames after them wait, and the fair queue takes over
   * once those have waited too long (it sees how long).
   * @internal
   */
  onFrame(socket: TcpSocket, rawMessage: unknown, readAt: number): void {
    if (!this.direct) {
      this.handleMessage(socket, rawMessage).catch((err: unknown) => this.handleError(err as string));
      return;
    }
    try {
      const packet = this.deserializer.deserialize(rawMessage) as { pattern?: unknown; data?: unknown; id?: unknown; metadata?: unknown };
      if (this.refusedWhileDraining(socket, packet)) return;
      const pending = this.pipeline.receive(packet.metadata, () => this.dispatchDirect(socket, packet, rawMessage), readAt);
      pending?.catch((err: unknown) => this.handleError(err as string));
    } catch (err) {
      this.handleError(err as string);
    }
    if (this.pipeline.queue.saturated) this.holdReads(socket);
  }

  /**
   * Stops reading from `socket` while the fair queue holds too many messages
   * that have no deadline to end them (a peer sending events faster than
   * their handlers run): they wait in the kernel instead of the heap, and
   * TCP's flow control slows the peer, as with Nest's server. Every held
   * connection reads again once the queue has drained.
   */
  private holdReads(socket: TcpSocket): void {
    if (!(socket instanceof FrameSocket) || this.heldSockets.has(socket)) return;
    this.heldSockets.add(socket);
    socket.holdReads();
    this.pipeline.queue.whenDrained(() => {
      for (const held of this.heldSockets) held.releaseReads();
      this.heldSockets.clear();
    });
  }

  private dispatchDirect(
    socket: TcpSocket,
    packet: { pattern?: unknown; data?: unknown; id?: unknown; metadata?: unknown },
    rawMessage: unknown,
  ): Promise<unknown> | undefined {
    const pattern = this.getPatternAsString(packet.pattern);
    const handler = this.getHandlerByPattern(pattern);
    // No handler: Nest's answer (requests) or log line (events).
    if (!handler) return super.handleMessage(socket, rawMessage);
    const context = new TcpContext((CONTEXT_HAS_METADATA ? [socket, pattern, packet.metadata] : [socket, pattern]) as never);
    if (packet.id === undefined) {
      // Nest connects an event handler's Observable with nobody listening: its values and error go nowhere.
      const result = this.pipeline.dispatchTo(handler as NestHandler, packet.data, context, EVENT_SINK);
      if (result instanceof Promise) result.then(drainEvent, (err: unknown) => this.handleError(err as string));
      else if (result !== OBSERVED) drainEvent(result);
      return undefined;
    }
    const reply = new TcpReply(this, socket, packet.id);
    const result = this.pipeline.dispatchTo(handler as NestHandler, packet.data, context, reply);
    // As in Nest, a handler whose promise rejects (not an error it returns) is logged and not answered.
    if (result instanceof Promise) result.then((value: unknown) => reply.from(value), (err: unknown) => this.handleError(err as string));
    else if (result !== OBSERVED) reply.from(result);
    return undefined;
  }

  /** Graceful shutdown: a new request is refused while draining. */
  private refusedWhileDraining(socket: TcpSocket, packet: { id?: unknown } | null): boolean {
    if (!this.pipeline.inFlight.isDraining || packet?.id === undefined) return false;
    // (Events are still handled: TCP events have no ack, so the sender could not know that one was refused.)
    socket.sendMessage(
      this.serializer.serialize({
        id: packet.id as string,
        isDisposed: true,
        err: {
          code: MessagingErrorCode.UNAVAILABLE,
          message: 'the server is shutting down and takes no new requests; retry (another instance)',
          retryable: true,
        },
      }),
    );
    return true;
  }

  /** @internal */
  serializeReply(packet: ReplyPacket & { id: unknown }): unknown {
    return this.serializer.serialize(packet as never);
  }

  /** @internal */
  replyFailed(err: unknown): void {
    this.handleError(err as string);
  }

  /**
   * With a `gracePeriod`: stops accepting connections, refuses new requests
   * (UNAVAILABLE, retryable), waits for the handlers in flight to finish or for
   * the grace period to end, then closes as Nest does (closing the sockets).
   */
  override async close(): Promise<void> {
    await drainGracefully(this.pipeline.inFlight, this.gracePeriod, () => this.server?.close(), this.shutdownLogger);
    super.close();
  }
}

const IGNORED = { error: () => undefined };
/** Where an event's result goes: nowhere, as in Nest (nobody listens to it). */
const EVENT_SINK = { next: () => undefined, error: () => undefined, complete: () => undefined };

function drainEvent(result: unknown): void {
  if (isObservable(result)) result.subscribe(IGNORED);
}

/** The server's framing: frames go straight to the server (no event emitter in between). @internal */
class RequestSocket extends FrameSocket {
  constructor(
    socket: Socket,
    options: FrameSocketOptions,
    private readonly server: MessagingServerTCP,
  ) {
    super(socket, options);
  }

  protected override deliver(message: unknown): void {
    this.server.onFrame(this, message, this.readAt);
  }
}

/** The replies to one request on one connection. @internal */
class TcpReply extends DirectReply {
  constructor(
    private readonly server: MessagingServerTCP,
    private readonly socket: TcpSocket,
    private readonly id: unknown,
  ) {
    super();
  }

  protected write(packet: ReplyPacket): void {
    const withId = packet as ReplyPacket & { id: unknown };
    withId.id = this.id;
    this.socket.sendMessage(this.server.serializeReply(withId));
  }

  protected failed(err: unknown): void {
    this.server.replyFailed(err);
  }
}
