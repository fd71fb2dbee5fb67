import { Socket } from 'node:net';
import { JsonSocket } from '@nestjs/microservices';
import { FrameSocket, ReadBudget, type FrameRejection, type FrameSocketOptions } from './tcp-framing';

const OPTIONS: FrameSocketOptions = { maxFrameLength: 1_000_000, incompleteFrameTimeout: 0, maxSendBufferSize: 1 << 20, keepAlive: 0 };

/** A FrameSocket over an unconnected net.Socket, fed by hand; collects messages and rejections. */
function harness(options: Partial<FrameSocketOptions> = {}) {
  const socket = new Socket();
  const messages: unknown[] = [];
  const rejections: FrameRejection[] = [];
  new FrameSocket(socket, { ...OPTIONS, ...options, onReject: (reason) => rejections.push(reason) });
  socket.on('message', (m: unknown) => messages.push(m));
  return { socket, messages, rejections, feed: (bytes: Buffer) => socket.emit('data', bytes) };
}

/** Nest's framing of a value: `<length in JS characters>#<json>`. */
const frame = (value: unknown) => {
  const json = JSON.stringify(value);
  return Buffer.from(`${json.length}#${json}`, 'utf8');
};

/** A seeded generator (mulberry32), so that a failing case can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = ['plain', 'é à ü', '中文字符', '😀 emoji 👍🏽', 'mixed ascii + ü + 😀 + 中', '\u0000\u001f quotes " and \\ backslash', ''];

describe('FrameSocket: Nest TCP framing, read from bytes', () => {
  it.each([1, 2, 3, 4, 5])('reads every frame of a stream cut at random places, whatever the characters (seed %i)', (seed) => {
    const rand = random(seed);
    const values = Array.from({ length: 300 }, (_, i) => ({ id: i, text: TEXTS[i % TEXTS.length]!.repeat(1 + Math.floor(rand() * 20)) }));
    const stream = Buffer.concat(values.map(frame));
    const { messages, rejections, feed } = harness();
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(rand() * (rand() < 0.3 ? 4 : 300));
      feed(stream.subarray(at, at + size));
      at += size;
    }
    expect(rejections).toEqual([]);
    expect(messages).toEqual(values);
  });

  it('reads a multi-byte character split at each of its bytes', () => {
    const value = { s: 'a😀b中c' };
    const bytes = frame(value);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { messages, feed } = harness();
      feed(bytes.subarray(0, cut));
      feed(bytes.subarray(cut));
      expect(messages).toEqual([value]);
    }
  });

  it("reads what Nest's JsonSocket reads, frame for frame", () => {
    const values = TEXTS.map((text, id) => ({ id, text, nested: { list: [1, 'two', { three: 3 }] } }));
    const stream = Buffer.concat(values.map(frame));
    const nest: unknown[] = [];
    const nestSocket = new Socket();
    new JsonSocket(nestSocket);
    nestSocket.on('message', (m: unknown) => nest.push(m));
    nestSocket.emit('data', stream);
    const ours = harness();
    ours.feed(stream);
    expect(ours.messages).toEqual(nest);
  });

  it('reads a frame whose length prefix ends exactly where a chunk ends', () => {
    const value = { pattern: { cmd: 'echo' }, data: 'split after the prefix', id: '1' };
    const bytes = frame(value);
    const cut = bytes.indexOf('#') + 1;
    const { messages, rejections, feed } = harness();
    feed(bytes.subarray(0, cut));
    expect(rejections).toEqual([]);
    feed(bytes.subarray(cut));
    expect(messages).toEqual([value]);
  });

  it('reads a large frame that arrives in many chunks, ASCII and not', () => {
    for (const text of ['x', 'é😀']) {
      const value = { s: text.repeat(1_000_000) };
      const bytes = frame(value);
      const { messages, rejections, feed } = harness({ maxFrameLength: 10_000_000 });
      for (let at = 0; at < bytes.length; at += 64 * 1024) feed(bytes.subarray(at, at + 64 * 1024));
      expect(rejections).toEqual([]);
      expect(messages).toEqual([value]);
    }
  });

  it('refuses a declared length over the limit at the prefix, before any body arrives', () => {
    const { socket, messages, rejections, feed } = harness({ maxFrameLength: 100 });
    feed(Buffer.from('2147483648#"'));
    expect(rejections).toEqual(['frame-too-long']);
    expect(socket.destroyed).toBe(true);
    expect(messages).toEqual([]);
  });

  it.each([['abc#{}'], ['#{}'], ['12a#{}'], ['9999999999999999#']])('refuses a bad length prefix %j', (text) => {
    const { rejections, feed } = harness();
    feed(Buffer.from(text));
    expect(rejections).toEqual(['bad-length-prefix']);
  });

  it('refuses a frame that is not JSON', () => {
    const { rejections, feed } = harness();
    feed(Buffer.from('3#{x}'));
    expect(rejections).toEqual(['bad-json']);
  });

  it('holds partly received frames against a budget shared by connections, and gives it back', () => {
    const budget = new ReadBudget(1000);
    const a = harness({ budget });
    const b = harness({ budget });
    const big = frame({ s: 'x'.repeat(900) });
    const prefix = big.indexOf('#') + 1; // the length prefix is read, not held
    a.feed(big.subarray(0, 600));
    expect(budget.held).toBe(600 - prefix);
    b.feed(big.subarray(0, 600));
    expect(b.rejections).toEqual(['read-budget']);
    expect(budget.held).toBe(600 - prefix);
    a.feed(big.subarray(600));
    expect(a.messages).toHaveLength(1);
    expect(budget.held).toBe(0);
  });

  it('gives the budget back when a connection with a partial frame closes', () => {
    const budget = new ReadBudget(10_000);
    const a = harness({ budget });
    const big = frame({ s: 'x'.repeat(900) });
    a.feed(big.subarray(0, 500));
    expect(budget.held).toBe(500 - (big.indexOf('#') + 1));
    a.socket.destroy();
    a.socket.emit('close');
    expect(budget.held).toBe(0);
  });

  it('closes a connection whose frame stays unfinished', () => {
    jest.useFakeTimers();
    try {
      const { socket, rejections, feed } = harness({ incompleteFrameTimeout: 1000 });
      feed(Buffer.from('10#{"a"'));
      jest.advanceTimersByTime(999);
      expect(rejections).toEqual([]);
      jest.advanceTimersByTime(2);
      expect(rejections).toEqual(['incomplete-frame']);
      expect(socket.destroyed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('FrameSocket: writing', () => {
  /** A FrameSocket on a real loopback connection; records the characters of each socket write, and what the peer reads. */
  async function connected() {
    const { createServer } = await import('node:net');
    const received: unknown[] = [];
    const server = createServer((peer) => {
      new FrameSocket(peer, OPTIONS);
      peer.on('message', (m: unknown) => received.push(m));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect((server.address() as { port: number }).port, '127.0.0.1', resolve));
    const writes: number[] = [];
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((data: string, ...rest: unknown[]) => {
      writes.push(data.length);
      return write(data, ...rest);
    }) as typeof socket.write;
    const framed = new FrameSocket(socket, OPTIONS);
    const close = () => new Promise<void>((resolve) => (socket.destroy(), server.close(() => resolve())));
    return { framed, writes, received, close };
  }

  const afterTick = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('writes a large batch of one tick in growing writes (1 KiB, then twice as much each time), then starts at 1 KiB again', async () => {
    const { framed, writes, received, close } = await connected();
    try {
      const json = (i: number) => JSON.stringify({ pattern: 'echo', data: { i, text: 'x'.repeat(40) }, id: String(i) });
      const frameChars = `${json(100).length}#`.length + json(100).length;
      for (let i = 100; i < 400; i++) framed.sendJson(json(i));
      await afterTick();
      const first = [...writes];
      // 300 frames of ~80 characters: 1 KiB, 2 KiB, 4 KiB, 8 KiB, 16 KiB... each write waits for its threshold, the rest at the end of the tick.
      expect(first.length).toBeLessThanOrEqual(6);
      expect(first.reduce((a, b) => a + b, 0)).toBe(300 * frameChars);
      first.slice(0, -1).forEach((chars, k) => {
        expect(chars).toBeGreaterThanOrEqual(1024 * 2 ** k);
        expect(chars).toBeLessThan(1024 * 2 ** k + frameChars);
      });
      writes.length = 0;
      for (let i = 400; i < 420; i++) framed.sendJson(json(i));
      await afterTick();
      // The next tick starts again at 1 KiB: its first write does not wait for the size the last one grew to.
      expect(writes[0]).toBeGreaterThanOrEqual(1024);
      expect(writes[0]).toBeLessThan(1024 + frameChars);
      const deadline = Date.now() + 5000;
      while (received.length < 320 && Date.now() < deadline) await afterTick();
      expect(received.map((m) => (m as { id: string }).id)).toEqual(Array.from({ length: 320 }, (_, k) => String(100 + k)));
    } finally {
      await close();
    }
  });

  it('writes a small batch at the end of its tick, in one write', async () => {
    const { framed, writes, received, close } = await connected();
    try {
      for (let i = 0; i < 3; i++) framed.sendJson(JSON.stringify({ pattern: 'echo', data: 'x'.repeat(500), id: String(i) }));
      expect(writes).toEqual([]);
      await afterTick();
      expect(writes).toHaveLength(1);
      const deadline = Date.now() + 5000;
      while (received.length < 3 && Date.now() < deadline) await afterTick();
      expect(received).toHaveLength(3);
    } finally {
      await close();
    }
  });
});
