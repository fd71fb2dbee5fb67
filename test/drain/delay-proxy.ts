import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/**
 * A TCP proxy on loopback to a broker: once `delayUpstream(ms)` is called,
 * what its clients write reaches the broker `ms` later (in order); what the
 * broker sends comes back at once. It stands for a link on which a client's
 * last commands (an unsubscribe) are still on their way while the broker
 * keeps delivering.
 */
export class DelayProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private delay = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      // what the client sent before it closed still reaches the broker, as late as the rest
      client.on('close', () => {
        if (this.delay === 0) return void upstream.end();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          upstream.end();
        }, this.delay);
        this.timers.add(timer);
      });
      upstream.on('close', () => client.destroy());
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('data', (chunk) => {
        if (this.delay === 0) return void upstream.write(chunk);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          upstream.write(chunk);
        }, this.delay);
        this.timers.add(timer);
      });
      client.pause();
      upstream.connect(this.targetPort, '127.0.0.1', () => client.resume());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  /** From now on, delays what clients send by `ms`. */
  delayUpstream(ms: number): void {
    this.delay = ms;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
