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

/** What one attacking connection did. */
export interface FloodConnection {
  /** Closes the connection from this side (not counted as closed by the peer). */
  close(): void;
  /** The peer closed (or refused) the connection; it may still do so after this resolved. */
  readonly closedByPeer: boolean;
  /** Whether every byte was written (handed to the kernel) before the connection closed. */
  readonly complete: boolean;
  /** Bytes handed to the kernel on this connection. */
  readonly bytes: number;
}

/**
 * One attacking connection: writes `prefix`, then `bodyBytes` of body in
 * chunks of `chunk`, honouring backpressure, until every byte is written or
 * the peer closes the connection. Bytes handed to the kernel are added to
 * `counted.bytes`. The connection is left open when everything was written,
 * or when `until` (on `performance.now()`'s clock) came first.
 */
export async function floodConnection(
  port: number,
  prefix: string,
  bodyBytes: number,
  chunk: Buffer,
  counted: { bytes: number },
  until = Infinity,
): Promise<FloodConnection> {
  let s: Socket;
  try {
    s = await connect(port);
  } catch {
    return { closedByPeer: true, complete: false, bytes: 0, close: () => undefined };
  }
  let ours = false;
  const state = {
    closedByPeer: false,
    complete: false,
    bytes: 0,
    close: () => {
      ours = true;
      s.destroy();
    },
  };
  s.once('close', () => (state.closedByPeer = !ours));
  const drainOrClose = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(Math.max(0, until - performance.now()), 2 ** 31 - 1));
      s.on('drain', done);
      s.on('close', done);
      if (s.destroyed) done();
    });
  const write = (data: Buffer | string): boolean => {
    const n = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    return s.write(data, (err) => {
      if (err) return;
      counted.bytes += n;
      state.bytes += n;
    });
  };
  let flushed = write(prefix);
  let sent = 0;
  while (!s.destroyed && sent < bodyBytes && performance.now() < until) {
    if (!flushed) await drainOrClose();
    else await new Promise((r) => setImmediate(r));
    if (s.destroyed || performance.now() >= until) break;
    const n = Math.min(chunk.length, bodyBytes - sent);
    flushed = write(n === chunk.length ? chunk : chunk.subarray(0, n));
    sent += n;
  }
  if (!s.destroyed && !flushed) await drainOrClose();
  state.complete = !s.destroyed && sent === bodyBytes && s.writableLength === 0;
  return state;
}
