/*
 * The raw-socket reference of the TCP transport table (bench/tcp-transport.ts): a `net` client and server
 * speaking Nest's TCP framing (`<length>#<json>`, the packets Nest's client and server exchange) with
 * nothing else: Nagle off, the frames of one tick written together, counter ids, one JSON.parse per frame.
 * It is what any Nest-compatible TCP transport can reach on this machine, not a usable transport: it reads
 * the length prefix as a byte count, which holds for the benchmark's ASCII payload only.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { countEvent } from './servers/side-channel';

/** Cuts `<length>#<json>` frames out of a socket's bytes and hands each parsed packet to `onPacket`. */
function readFrames(socket: Socket, onPacket: (packet: Record<string, unknown>) => void): void {
  let buffer: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    let at = 0;
    for (;;) {
      const hash = buffer.indexOf(0x23, at);
      if (hash < 0) break;
      const length = Number(buffer.toString('latin1', at, hash));
      const end = hash + 1 + length;
      if (end > buffer.length) break;
      onPacket(JSON.parse(buffer.toString('utf8', hash + 1, end)) as Record<string, unknown>);
      at = end;
    }
    buffer = at === buffer.length ? Buffer.alloc(0) : buffer.subarray(at);
  });
}

/** Writes the frames queued in one tick together on the next. */
function frameWriter(socket: Socket): (json: string) => void {
  let queued: string | undefined;
  const flush = () => {
    const data = queued!;
    queued = undefined;
    socket.write(data);
  };
  return (json) => {
    const frame = `${json.length}#${json}`;
    if (queued === undefined) {
      queued = frame;
      process.nextTick(flush);
    } else {
      queued += frame;
    }
  };
}

/** The reference echo server: answers a request with its data, counts an event. Resolves with its port. */
export async function rawNetServer(): Promise<{ port: number; close(): void }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const write = frameWriter(socket);
    readFrames(socket, (packet) => {
      if (packet.id === undefined) return countEvent();
      write(JSON.stringify({ id: packet.id, response: packet.data, isDisposed: true }));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** The reference client: `send(pattern, data)` resolves with the reply's `response`. */
export async function rawNetClient(port: number): Promise<{ send(pattern: unknown, data: unknown): Promise<unknown>; close(): void }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  const write = frameWriter(socket);
  const pending = new Map<string, (value: unknown) => void>();
  let seq = 0;
  readFrames(socket, (packet) => {
    const resolve = pending.get(packet.id as string);
    pending.delete(packet.id as string);
    resolve?.(packet.response);
  });
  return {
    send(pattern, data) {
      const id = (++seq).toString(36);
      return new Promise((resolve) => {
        pending.set(id, resolve);
        write(JSON.stringify({ pattern, data, id }));
      });
    },
    close: () => socket.destroy(),
  };
}
