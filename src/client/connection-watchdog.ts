import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';

/**
 * Notices a TCP connection that died without closing (a half-open connection:
 * the peer or a middlebox vanished, no FIN, no RST) and replaces it. Nest's
 * ClientTCP reuses its socket until it closes, so calls on such a connection
 * time out one after another and nothing reconnects for minutes. The rule:
 * after `threshold` consecutive call or attempt timeouts on one connection
 * with not one byte received since the first of them, the socket is
 * destroyed; Nest fails the calls still on it (retryable UNAVAILABLE) and the
 * next call dials a fresh connection. The socket is reached through the
 * ClientProxy's public `unwrap()`.
 * @internal
 */
export class ConnectionWatchdog {
  private socket: Socket | undefined;
  private bytesAtFirst = 0;
  private count = 0;
  private readonly logger = new Logger('MessagingClient');

  constructor(
    private readonly proxy: ClientProxy,
    private readonly client: string,
    private readonly threshold: number,
  ) {}

  /** A call or one of its attempts timed out. */
  timedOut(): void {
    const socket = this.current();
    if (!socket) return;
    if (socket !== this.socket || socket.bytesRead !== this.bytesAtFirst) {
      this.socket = socket;
      this.bytesAtFirst = socket.bytesRead;
      this.count = 0;
    }
    if (++this.count < this.threshold) return;
    this.logger.warn(
      `client '${this.client}': ${this.count} calls timed out on one connection with nothing received since the first: ` +
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
    if (socket && socket === this.socket && this.count > 0 && socket.bytesRead === this.bytesAtFirst) this.reset();
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
