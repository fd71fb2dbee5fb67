import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/**
 * A fault-injecting TCP proxy on loopback: it forwards to `targetPort`, but
 * drops the first `dropFirst` connections as soon as they are accepted.
 */
export class FaultyTcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections accepted so far. */
  accepted = 0;

  constructor(
    private readonly targetPort: number,
    private dropFirst = 0,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      this.accepted++;
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.dropFirst > 0) {
        this.dropFirst--;
        client.resetAndDestroy();
        return;
      }
      const upstream = new Socket();
      this.sockets.add(upstream);
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.connect(this.targetPort, '127.0.0.1', () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
