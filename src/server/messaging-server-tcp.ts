import { Logger } from '@nestjs/common';
import { ServerTCP, TcpContext, type TcpOptions } from '@nestjs/microservices';
import { MessagingErrorCode } from '../errors/error-codes';
import { InFlightTracker, trackInFlight } from '../resilience/in-flight';
import type { MessagingServerOptions } from './server.options';
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
    if (this.gracePeriod <= 0) return this.handleWithMetadata(socket, rawMessage);
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
    return trackInFlight(this.inFlight, () => this.handleWithMetadata(socket, rawMessage));
  }

  /** Nest's handling, with the packet's metadata readable on Nest 11 (Nest 12's TcpContext shows it itself). */
  private handleWithMetadata(socket: Parameters<ServerTCP['handleMessage']>[0], rawMessage: unknown): Promise<unknown> {
    if (CONTEXT_HAS_METADATA) return super.handleMessage(socket, rawMessage);
    const metadata = (rawMessage as { metadata?: unknown } | null)?.metadata;
    return incomingPacketMetadata.run({ metadata }, () => super.handleMessage(socket, rawMessage));
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

/** Feature detection, not version detection: Nest 12's TcpContext has getMetadata(). */
const CONTEXT_HAS_METADATA = typeof (TcpContext.prototype as { getMetadata?: unknown }).getMetadata === 'function';
