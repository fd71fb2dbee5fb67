import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

interface Link {
  client: Socket;
  upstream: Socket;
  frozen: boolean;
}

/**
 * A TCP proxy on loopback that can freeze the connections it carries: what
 * a dropped flow (a vanished peer, a NAT or firewall entry gone) looks like
 * to the client. A frozen connection stays open (no FIN, no RST) and nothing
 * crosses it either way; the proxy stops reading it, so the bytes pile up in
 * kernel buffers as they would at a middlebox that drops them. Connections
 * opened after a freeze are forwarded as usual (the path is fine, the old
 * flow is dead). `thaw()` forwards again what the frozen connections hold
 * (a partition that heals: TCP delivers what it retransmitted).
 */
export class FreezingTcpProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  /** Connections accepted so far. */
  accepted = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** Listens on `port` (0: any free port) and returns the port. */
  async start(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections open now (frozen or not). */
  get open(): number {
    return this.links.size;
  }

  /** Connections frozen now and still open at the client's end. */
  get frozen(): number {
    return [...this.links].filter((l) => l.frozen).length;
  }

  /** Freezes every connection open now: nothing more is forwarded on them, and they are not closed. */
  freeze(): void {
    for (const link of this.links) {
      if (link.frozen) continue;
      link.frozen = true;
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.client.pause();
      link.upstream.pause();
    }
  }

  /** Forwards again on the frozen connections (what they held first). */
  thaw(): void {
    for (const link of this.links) {
      if (!link.frozen) continue;
      link.frozen = false;
      link.client.pipe(link.upstream);
      link.upstream.pipe(link.client);
    }
  }

  /** Closes every connection and stops listening. */
  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = new Socket();
    const link: Link = { client, upstream, frozen: false };
    this.links.add(link);
    // Either end closing closes the other (a frozen link closes only when its client gives it up).
    const close = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    client.on('close', close);
    upstream.on('error', close);
    upstream.on('close', close);
    client.pause();
    upstream.connect(this.targetPort, this.targetHost, () => {
      if (link.frozen) return;
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}
