import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { ServerTCP, type TcpOptions, type TcpSocket } from '@nestjs/microservices';
import { MessagingErrorCode } from '../errors/error-codes';
import { tcpCarrier } from '../wire/transports/tcp';
import { FrameSocket } from '../wire/transports/tcp-framing';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
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

  constructor(options: TcpServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super(options);
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.pipeline = new InboundPipeline({ carrier: tcpCarrier, tracked: this.gracePeriod > 0 }, serverOptions);
    // A socket class of the application's own is used as it is (its limits are its own).
    if (options.socketClass === undefined) {
      this.limits = tcpLimits(serverOptions, this.shutdownLogger);
      this.server.maxConnections = this.limits.maxConnections;
    }
  }

  /** Reads and writes Nest's framing with the library's limits (see `TcpServerLimits`). */
  protected override getSocketInstance(socket: Socket): TcpSocket {
    return this.limits ? new FrameSocket(socket, this.limits.frames) : super.getSocketInstance(socket);
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

  override handleMessage(socket: Parameters<ServerTCP['handleMessage']>[0], rawMessage: unknown): Promise<unknown> {
    const packet = rawMessage as { id?: string; metadata?: unknown } | null;
    if (this.pipeline.inFlight.isDraining && packet?.id !== undefined) {
      // graceful shutdown: refuse new requests while draining (events are still handled:
      // TCP events have no ack, so the sender could not know that one was refused).
      socket.sendMessage(
        this.serializer.serialize({
          id: packet.id,
          isDisposed: true,
          err: {
            code: MessagingErrorCode.UNAVAILABLE,
            message: 'the server is shutting down and takes no new requests; retry (another instance)',
            retryable: true,
          },
        }),
      );
      return Promise.resolve();
    }
    return this.pipeline.receive(packet?.metadata, () => super.handleMessage(socket, rawMessage));
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
