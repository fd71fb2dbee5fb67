import { connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload, RpcException, ServerTCP, Transport } from '@nestjs/microservices';
import { concat, EMPTY, ignoreElements, of, take, throwError, timer } from 'rxjs';
import { messagingMicroservice } from '../src';
import { startTcpServer, waitFor, type RunningServer } from './support/nest';

/**
 * The library's TCP server dispatches and answers messages itself (without
 * Nest's promise chain per message) when Nest's serializer and deserializer
 * are in use and no processing hooks are set. What it writes must be what
 * Nest's ServerTCP writes: the same frames, byte for byte, in the same order,
 * for every shape of handler result; and events behave as under Nest.
 */
const events: unknown[] = [];

@Controller()
class Handlers {
  @MessagePattern('value')
  value(@Payload() data: unknown) {
    return { ok: data };
  }

  @MessagePattern('promise')
  async promise(@Payload() data: unknown) {
    await new Promise((r) => setImmediate(r));
    return { later: data };
  }

  @MessagePattern('undefined')
  nothing() {
    return undefined;
  }

  @MessagePattern('stream')
  stream() {
    return of(1, 2, 3);
  }

  @MessagePattern('ticks')
  ticks() {
    return timer(0, 2).pipe(take(3));
  }

  @MessagePattern('then-end')
  thenEnd() {
    // a value, then the end of the stream a few ms later: the end goes out alone
    return concat(of('first'), timer(5).pipe(ignoreElements()));
  }

  @MessagePattern('empty')
  empty() {
    return EMPTY;
  }

  @MessagePattern('promise-of-stream')
  async promiseOfStream() {
    return of('a', 'b');
  }

  @MessagePattern('rpc-error')
  rpcError() {
    throw new RpcException({ code: 'NOT_FOUND', message: 'no such order' });
  }

  @MessagePattern('error')
  error() {
    throw new Error('boom');
  }

  @MessagePattern('stream-error')
  streamError() {
    return concat(of(1), throwError(() => new RpcException('broke after one')));
  }

  @EventPattern('noted')
  noted(@Payload() data: unknown) {
    events.push(data);
  }

  @EventPattern('noted-stream-error')
  notedStreamError(@Payload() data: unknown) {
    events.push(data);
    return throwError(() => new Error('an event handler stream that errors'));
  }

  @EventPattern('noted-rejects')
  async notedRejects(@Payload() data: unknown) {
    events.push(data);
    throw new Error('an event handler that rejects');
  }
}

const REQUESTS = [
  'value',
  'promise',
  'undefined',
  'stream',
  'ticks',
  'then-end',
  'empty',
  'promise-of-stream',
  'rpc-error',
  'error',
  'stream-error',
  'no-such-pattern',
];

/** A frame of Nest's framing. */
const frame = (packet: unknown) => {
  const json = JSON.stringify(packet);
  return `${json.length}#${json}`;
};

/**
 * Sends every request (and a few events) on one raw connection and returns
 * the reply frames as they were read, per request id, once every request has
 * its final (`isDisposed`) packet.
 */
async function exchange(port: number, metadata?: Record<string, string>): Promise<Map<string, string[]>> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies = new Map<string, string[]>();
  const done = new Set<string>();
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const hash = buffer.indexOf('#');
      if (hash < 0) return;
      const length = Number(buffer.slice(0, hash));
      if (buffer.length < hash + 1 + length) return;
      const json = buffer.slice(hash + 1, hash + 1 + length);
      buffer = buffer.slice(hash + 1 + length);
      const packet = JSON.parse(json) as { id: string; isDisposed?: boolean; status?: string };
      replies.set(packet.id, [...(replies.get(packet.id) ?? []), json]);
      // the last packet of a request, or Nest's "no handler" answer (which has no isDisposed)
      if (packet.isDisposed || packet.status === 'error') done.add(packet.id);
    }
  });
  const meta = metadata ? { metadata } : {};
  // JSON that is not a packet: Nest reads it as an event without a pattern (no handler: a log line), and goes on
  let out = [12345, 'text', [], null, {}, { id: 'no-pattern' }].map(frame).join('');
  out += frame({ pattern: 'noted', data: { n: 1 }, ...meta });
  out += frame({ pattern: 'noted-stream-error', data: { n: 2 }, ...meta });
  out += frame({ pattern: 'noted-rejects', data: { n: 3 }, ...meta });
  out += frame({ pattern: 'no-such-event', data: { n: 4 }, ...meta });
  for (const id of REQUESTS) out += frame({ pattern: id, data: { id, text: 'ünïcødé ✓' }, id, ...meta });
  socket.write(out);
  try {
    await waitFor(() => done.size === REQUESTS.length, 10_000, 'the final packet of every request');
  } finally {
    socket.destroy();
  }
  return replies;
}

describe('the library TCP server answers as Nest ServerTCP does, byte for byte', () => {
  let plain: RunningServer;
  let library: RunningServer;
  beforeAll(async () => {
    plain = await startTcpServer([Handlers], { library: false });
    library = await startTcpServer([Handlers]);
  });
  afterAll(async () => {
    await library?.close();
    await plain?.close();
  });

  it('for every shape of result, without metadata (a plain Nest client)', async () => {
    const expected = await exchange(plain.port);
    // what Nest writes, for the record: the last packet carries isDisposed, a stream's end after a pause goes alone
    expect(expected.get('stream')).toEqual(['{"response":1,"id":"stream"}', '{"response":2,"id":"stream"}', '{"response":3,"isDisposed":true,"id":"stream"}']);
    expect(expected.get('then-end')).toEqual(['{"response":"first","id":"then-end"}', '{"isDisposed":true,"id":"then-end"}']);
    expect(expected.get('empty')).toEqual(['{"isDisposed":true,"id":"empty"}']);
    const actual = await exchange(library.port);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it('for every shape of result, with the metadata of a call with a budget (the pipeline full path)', async () => {
    const metadata = { 'msg-id': 'm-1', 'msg-correlation-id': 'c-1', 'msg-timeout-ms': '5000' };
    const expected = await exchange(plain.port, metadata);
    const actual = await exchange(library.port, metadata);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it('hands events to their handlers, and keeps serving after event handlers that fail', async () => {
    events.length = 0;
    await exchange(library.port);
    await waitFor(() => events.length === 3, 5000, 'the three events');
    expect(events).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect((await exchange(library.port)).get('value')).toEqual(['{"response":{"ok":{"id":"value","text":"ünïcødé ✓"}},"isDisposed":true,"id":"value"}']);
  });
});

describe('the library TCP server with processing hooks runs them as Nest does', () => {
  it('calls the start and end hooks of requests and events, and answers as without them', async () => {
    const started: string[] = [];
    const ended: string[] = [];
    const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
    const server = strategy.strategy as ServerTCP;
    server.setOnProcessingStartHook((_transport, context, done) => {
      started.push((context as unknown as { getPattern(): string }).getPattern());
      return done();
    });
    server.setOnProcessingEndHook((_transport, context) => {
      ended.push((context as unknown as { getPattern(): string }).getPattern());
    });
    @Module({ controllers: [Handlers] })
    class HookedModule {}
    const app = await NestFactory.createMicroservice(HookedModule, { ...strategy, logger: false });
    await app.listen();
    try {
      const port = (server.unwrap<Server>().address() as AddressInfo).port;
      const plain = await startTcpServer([Handlers], { library: false });
      let expected: Map<string, string[]>;
      try {
        expected = await exchange(plain.port);
      } finally {
        await plain.close();
      }
      events.length = 0;
      const actual = await exchange(port);
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      expect(started).toEqual(expect.arrayContaining(['value', 'stream', 'noted']));
      await waitFor(() => ended.includes('value') && ended.includes('noted'), 5000, 'the end hooks');
    } finally {
      await app.close();
    }
  });
});
