import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';

/**
 * Notices a TCP connection that died without closing (a half-open connection:
 * the peer or a middlebox vanished, no FIN, no RST) and replaces it. Nest's
 * ClientTCP reuses its socket until it closes, so calls on such a connection
 * time out one after another and nothing reconnects for minutes. The rule:
 * a silent timeout is one of an attempt during whose whole life the
 * connection received not one byte; after `threshold` silent timeouts on one
 * connection with nothing received between them either, the socket is destroyed; Nest fails the calls
 * still on it (retryable UNAVAILABLE) and the next call dials a fresh
 * connection. A busy peer that answers other calls, however slowly, is never
 * taken for a dead one. The socket is reached through the ClientProxy's
 * public `unwrap()`.
 * @internal
 */
export class ConnectionWatchdog {
  private socket: Socket | undefined;
  private count = 0;
  /** What the connection had received at the last silent timeout. */
  private receivedAtLast = -1;
  private readonly logger = new Logger('MessagingClient');

  constructor(
    private readonly proxy: ClientProxy,
    private readonly client: string,
    private readonly threshold: number,
  ) {}

  /** Bytes received so far on the current connection (-1 without one): taken when an attempt is sent. */
  received(): number {
    return this.current()?.bytesRead ?? -1;
  }

  /**
   * An attempt (or the call) timed out.
   * @param receivedAtSend what {@link received} said when the attempt was sent.
   */
  timedOut(receivedAtSend: number): void {
    const socket = this.current();
    if (!socket) return;
    if (socket !== this.socket) {
      this.socket = socket;
      this.count = 0;
    }
    const received = socket.bytesRead;
    if (received !== receivedAtSend) {
      // The connection brought something while this attempt waited: it is alive.
      this.count = 0;
      return;
    }
    // Silent timeouts count only while nothing at all arrives between them either.
    if (this.count > 0 && received !== this.receivedAtLast) this.count = 0;
    this.receivedAtLast = received;
    if (++this.count < this.threshold) return;
    this.logger.warn(
      `client '${this.client}': ${this.count} calls in a row timed out on one connection that received nothing while they waited: ` +
        `closing it (half-open?); the next call opens a new one`,
    );
    this.reset();
  }

  /**
   * The circuit opened: if calls timed out on the current connection with
   * nothing received since, the connection is replaced, so that the circuit's
   * trial call does not go over a dead one. A connection that still brings
   * replies (the failures were the peer's answers) is kept.
   */
  circuitOpened(): void {
    const socket = this.current();
    if (socket && socket === this.socket && this.count > 0) this.reset();
  }

  /**
   * Settles once the connection being replaced has closed. Nest's ClientTCP
   * forgets a socket only on its asynchronous `close` event: an attempt made
   * before that would go out on the destroyed socket, so attempts wait for it.
   */
  closing: Promise<void> | undefined;

  private reset(): void {
    const socket = this.current();
    this.socket = undefined;
    this.count = 0;
    if (!socket) return;
    this.closing = new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.closing = undefined;
        resolve();
      }),
    );
    socket.destroy();
  }

  private current(): Socket | undefined {
    try {
      const socket = this.proxy.unwrap<Socket>();
      return socket && !socket.destroyed ? socket : undefined;
    } catch {
      return undefined; // not connected
    }
  }
}
