import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** Nest's TCP framing: `<length>#<json>`, the length in JavaScript string characters. */
export function frame(packet: unknown): string {
  const json = JSON.stringify(packet);
  return `${json.length}#${json}`;
}

/** Opens a raw connection to 127.0.0.1:`port`. */
export function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.once('error', reject);
    s.connect(port, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

/** Sends a request frame (optionally one character per write) and resolves with the first reply packet. */
export async function rawRequest(port: number, packet: unknown, opts: { byteByByte?: boolean } = {}): Promise<Record<string, unknown>> {
  const s = await connect(port);
  s.setNoDelay(true);
  try {
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      let buf = '';
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => {
        buf += chunk;
        const i = buf.indexOf('#');
        if (i < 0) return;
        const len = Number(buf.slice(0, i));
        if (buf.length - i - 1 >= len) resolve(JSON.parse(buf.slice(i + 1, i + 1 + len)) as Record<string, unknown>);
      });
      s.on('close', () => reject(new Error('closed before a reply')));
    });
    const text = frame(packet);
    if (opts.byteByByte) {
      for (const ch of text) {
        s.write(ch);
        await new Promise((r) => setImmediate(r));
      }
    } else {
      s.write(text);
    }
    return await reply;
  } finally {
    s.destroy();
  }
}

/** A TCP server that reads everything and never answers (calls to it time out). */
export async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
