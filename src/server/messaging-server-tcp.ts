import { Logger } from '@nestjs/common';
import { ServerTCP, type TcpOptions } from '@nestjs/microservices';
import { MessagingErrorCode } from '../errors/error-codes';
import { InFlightTracker, trackInFlight } from '../resilience/in-flight';
import type { MessagingServerOptions } from '../resilience/server.options';
import { incomingPacketMetadata } from './incoming-metadata';

type TcpServerOptions = NonNullable<TcpOptions['options']>;

/**
 * Nest's TCP server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12; and, with a `gracePeriod`, a graceful
 * shutdown. Use it through {@link messagingMicroservice}.
 */
export class MessagingServerTCP extends ServerTCP {
  /** Messages being handled (tracked only with a `gracePeriod`). */
  readonly inFlight = new InFlightTracker();
  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');

  constructor(options: TcpServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super(options);
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
  }

  override handleMessage(socket: Parameters<ServerTCP['handleMessage']>[0], rawMessage: unknown): Promise<unknown> {
    const metadata = (rawMessage as { metadata?: unknown } | null)?.metadata;
    if (this.gracePeriod <= 0) {
      return incomingPacketMetadata.run(metadata, () => super.handleMessage(socket, rawMessage));
    }
    // graceful shutdown: refuse new requests while draining (events are still handled:
    // TCP events have no ack, so the sender could not know that one was refused).
    const id = (rawMessage as { id?: string } | null)?.id;
    if (this.inFlight.isDraining && id !== undefined) {
      socket.sendMessage(
        this.serializer.serialize({
          id,
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
    return incomingPacketMetadata.run(metadata, () => trackInFlight(this.inFlight, () => super.handleMessage(socket, rawMessage)));
  }

  /**
   * With a `gracePeriod`: stops accepting connections, refuses new requests
   * (UNAVAILABLE, retryable), waits for the handlers in flight to finish or for
   * the grace period to end, then closes as Nest does (closing the sockets).
   */
  override async close(): Promise<void> {
    if (this.gracePeriod > 0 && !this.inFlight.isDraining) {
      this.inFlight.startDraining();
      this.server?.close();
      const result = await this.inFlight.drain(this.gracePeriod);
      if (!result.drained) {
        this.shutdownLogger.warn(
          `shutdown: ${result.abandoned} message(s) still in flight after the grace period of ${this.gracePeriod} ms; closing anyway`,
        );
      }
    }
    super.close();
  }
}
