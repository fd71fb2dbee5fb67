import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Controller } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClientTCP, EventPattern, MessagePattern, Payload, RpcException, Transport } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import {
  getMessagingClientToken,
  MessageHandler,
  MessagingClient,
  MessagingConfigurationError,
  MessagingConnectionError,
  MessagingErrorCode,
  MessagingModule,
  MessagingRemoteError,
  MessagingTcpClient,
  MessagingTimeoutError,
  runWithMessageContext,
  getMessageContext,
} from '../src';
import { nestMajor, pendingRequests, startTcpServer, waitFor, type RunningServer } from './support/nest';

/**
 * The library's TCP client (issue 12, part 2): Nest's framing and packets on the
 * wire, so a plain Nest TCP server answers it; Nest's ClientProxy behaviour for
 * send()/emit(); MessagingClient calls through it; and its connection faults.
 */
const seen: unknown[] = [];

@Controller()
class PlainHandlers {
  @MessagePattern({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return { data, major: nestMajor };
  }

  @MessagePattern('text')
  text(@Payload() data: string) {
    return `${data}!`;
  }

  @MessagePattern({ cmd: 'stream' })
  stream(@Payload() data: { count: number }) {
    return of(...Array.from({ length: data.count }, (_, i) => i));
  }

  @MessagePattern({ cmd: 'fail' })
  fail() {
    throw new RpcException({ code: 'NOT_FOUND', message: 'no such order' });
  }

  @MessagePattern({ cmd: 'hang' })
  hang() {
    return new Promise(() => undefined);
  }

  @EventPattern('noted')
  noted(@Payload() data: unknown) {
    seen.push(data);
  }
}

@Controller()
class LibraryHandlers {
  @MessageHandler({ cmd: 'ctx' })
  ctx(data: unknown) {
    const ctx = getMessageContext();
    return { data, correlationId: ctx?.correlationId, attempt: ctx?.message?.attempt, budget: ctx?.deadline !== undefined, app: ctx?.app };
  }
}

/** A server that answers every frame with bytes that are not Nest's framing. */
async function garbageServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => socket.write('this is not a frame\n'));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe(`MessagingTcpClient (Nest ${nestMajor})`, () => {
  let plain: RunningServer;
  let library: RunningServer;
  const clients: MessagingTcpClient[] = [];
  const client = (port: number, options = {}) => {
    const c = new MessagingTcpClient({ host: '127.0.0.1', port, ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    plain = await startTcpServer([PlainHandlers], { library: false });
    library = await startTcpServer([LibraryHandlers, PlainHandlers]);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await plain.close();
    await library.close();
  });

  describe('as a ClientProxy (send/emit), against a plain Nest server', () => {
    it('sends object and string patterns and gets the replies', async () => {
      const c = client(plain.port);
      await expect(firstValueFrom(c.send({ cmd: 'echo' }, { n: 1, text: 'naïve – 雪 😀' }))).resolves.toEqual({
        data: { n: 1, text: 'naïve – 雪 😀' },
        major: nestMajor,
      });
      await expect(firstValueFrom(c.send('text', 'hi'))).resolves.toBe('hi!');
    });

    it('streams every value of a handler that returns an Observable, then completes', async () => {
      await expect(lastValueFrom(client(plain.port).send({ cmd: 'stream' }, { count: 4 }).pipe(toArray()))).resolves.toEqual([0, 1, 2, 3]);
    });

    it("surfaces the handler's RpcException and Nest's 'no handler' error as Nest's client does", async () => {
      const c = client(plain.port);
      await expect(firstValueFrom(c.send({ cmd: 'fail' }, {}))).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no such order' });
      const nest = new ClientTCP({ host: '127.0.0.1', port: plain.port });
      try {
        const theirs = await firstValueFrom(nest.send({ cmd: 'nobody' }, {})).catch((e: unknown) => e);
        const ours = await firstValueFrom(c.send({ cmd: 'nobody' }, {})).catch((e: unknown) => e);
        expect(ours).toEqual(theirs);
      } finally {
        nest.close();
      }
    });

    it('delivers events (emit completes once the frame is written)', async () => {
      seen.length = 0;
      const c = client(plain.port);
      await lastValueFrom(c.emit('noted', { id: 1 }), { defaultValue: undefined });
      await lastValueFrom(c.emit('noted', { id: 2 }), { defaultValue: undefined });
      await waitFor(() => seen.length === 2, 5000, 'both events');
      expect(seen).toEqual([{ id: 1 }, { id: 2 }]);
    });

    it('keeps ClientProxy semantics: send() is cold, emit() is hot, a nil payload is refused', async () => {
      seen.length = 0;
      const c = client(plain.port);
      const cold = c.send({ cmd: 'echo' }, { n: 1 });
      c.emit('noted', { id: 'unsubscribed' });
      await waitFor(() => seen.length === 1, 5000, 'the unsubscribed event');
      expect(seen).toEqual([{ id: 'unsubscribed' }]);
      expect(pendingRequests(c)).toBe(0);
      await expect(firstValueFrom(cold)).resolves.toMatchObject({ data: { n: 1 } });
      await expect(firstValueFrom(cold)).resolves.toMatchObject({ data: { n: 1 } });
      await expect(firstValueFrom(c.send({ cmd: 'echo' }, undefined))).rejects.toThrow('The invalid data or message pattern (undefined/null)');
      await expect(lastValueFrom(c.emit('noted', null))).rejects.toThrow('The invalid data or message pattern (undefined/null)');
    });

    it('carries a 1 MB payload of multi-byte characters intact, with calls of a tick written together', async () => {
      const big = 'é😀'.repeat(350_000);
      const c = client(plain.port);
      const replies = await Promise.all([
        firstValueFrom(c.send('text', big)),
        ...Array.from({ length: 50 }, (_, i) => firstValueFrom(c.send({ cmd: 'echo' }, { i }))),
      ]);
      expect(replies[0]).toBe(`${big}!`);
      expect(replies.slice(1).map((r) => (r as { data: { i: number } }).data.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });
  });

  describe('under a MessagingClient', () => {
    it('puts the metadata on the wire where the library server reads it, and plain handlers get the bare payload', async () => {
      const c = MessagingClient.wrap(client(library.port), 'svc');
      const reply = await runWithMessageContext({ correlationId: 'tcp-client-1', app: { tenant: 'acme' } }, () =>
        c.request<Record<string, unknown>>({ cmd: 'ctx' }, { n: 1 }),
      );
      expect(reply).toEqual({ data: { n: 1 }, correlationId: 'tcp-client-1', attempt: 1, budget: true, app: { tenant: 'acme' } });
      await expect(c.request({ cmd: 'echo' }, { n: 2 })).resolves.toEqual({ data: { n: 2 }, major: nestMajor });
      const plainServer = MessagingClient.wrap(client(plain.port), 'plain');
      await expect(plainServer.request({ cmd: 'echo' }, { n: 3 })).resolves.toEqual({ data: { n: 3 }, major: nestMajor });
      await expect(lastValueFrom(plainServer.send({ cmd: 'stream' }, { count: 3 }).pipe(toArray()))).resolves.toEqual([0, 1, 2]);
    });

    it('maps a remote error to MessagingRemoteError and forgets a timed-out request (nothing left pending)', async () => {
      const proxy = client(plain.port);
      const c = MessagingClient.wrap(proxy, 'svc');
      await expect(c.request({ cmd: 'fail' }, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(c.request({ cmd: 'fail' }, {})).rejects.toBeInstanceOf(MessagingRemoteError);
      const err = await c.request({ cmd: 'hang' }, {}, { timeout: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingTimeoutError);
      expect(pendingRequests(proxy)).toBe(0);
    });

    it('emits events that a plain @EventPattern handler receives', async () => {
      seen.length = 0;
      const c = MessagingClient.wrap(client(plain.port), 'svc');
      await lastValueFrom(c.emit('noted', { id: 3 }));
      await waitFor(() => seen.length === 1, 5000, 'the event');
      expect(seen).toEqual([{ id: 3 }]);
    });
  });

  describe('connection faults', () => {
    it('fails a call to a port nobody listens on with a retryable UNAVAILABLE, and connect() rejects', async () => {
      const closed = await startTcpServer([PlainHandlers], { library: false });
      const port = closed.port;
      await closed.close();
      const proxy = client(port);
      await expect(proxy.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const err = await MessagingClient.wrap(proxy, 'svc').request({ cmd: 'echo' }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingConnectionError);
      expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
    });

    it('fails the calls in flight when the server goes away, and reconnects on the next call once it is back', async () => {
      const server = await startTcpServer([PlainHandlers], { library: false });
      const proxy = client(server.port);
      const c = MessagingClient.wrap(proxy, 'svc');
      await expect(c.request({ cmd: 'echo' }, { n: 1 })).resolves.toMatchObject({ data: { n: 1 } });
      const hanging = c.request({ cmd: 'hang' }, {}, { timeout: 10_000 }).catch((e: unknown) => e);
      await waitFor(() => pendingRequests(proxy) === 1, 5000, 'the request to be pending');
      const port = server.port;
      await server.close();
      const err = await hanging;
      expect(err).toBeInstanceOf(MessagingConnectionError);
      expect(pendingRequests(proxy)).toBe(0);
      const again = await startTcpServer([PlainHandlers], { library: false, port });
      try {
        await expect(c.request({ cmd: 'echo' }, { n: 2 })).resolves.toMatchObject({ data: { n: 2 } });
      } finally {
        await again.close();
      }
    });

    it('closes a connection that brings garbage, failing its calls at once with UNAVAILABLE', async () => {
      const garbage = await garbageServer();
      try {
        const started = performance.now();
        const err = await MessagingClient.wrap(client(garbage.port), 'svc')
          .request({ cmd: 'echo' }, {}, { timeout: 10_000 })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE });
        expect(performance.now() - started).toBeLessThan(5000);
      } finally {
        await garbage.close();
      }
    });

    it('closes a connection whose reply frame is longer than maxBufferSize', async () => {
      const proxy = client(plain.port, { maxBufferSize: 1000 });
      const err = await firstValueFrom(proxy.send('text', 'x'.repeat(2000))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      // the next call opens a new connection
      await expect(firstValueFrom(proxy.send('text', 'ok'))).resolves.toBe('ok!');
    });

    it('does not deadlock when requests and replies both fill the socket buffers (the library server pauses reads, the client never does)', async () => {
      const c = MessagingClient.wrap(client(library.port), 'svc');
      const big = 'x'.repeat(1024 * 1024);
      const replies = await Promise.all(Array.from({ length: 40 }, () => c.request<string>('text', big, { timeout: 20_000 })));
      expect(replies.every((r) => r.length === big.length + 1)).toBe(true);
    }, 30_000);

    it('close() fails the calls still waiting and the next call opens a new connection', async () => {
      const proxy = client(plain.port);
      const waiting = firstValueFrom(proxy.send({ cmd: 'hang' }, {})).catch((e: unknown) => e);
      await waitFor(() => pendingRequests(proxy) === 1, 5000, 'the request to be pending');
      proxy.close();
      expect(await waiting).toMatchObject({ message: 'Connection closed' });
      await expect(firstValueFrom(proxy.send('text', 'again'))).resolves.toBe('again!');
    });
  });

  describe('in MessagingModule', () => {
    const build = async (tcp?: object, options: object = {}) => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          MessagingModule.forRoot({
            clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port: plain.port, ...options }, ...(tcp ? { tcp } : {}) }],
          }),
        ],
      }).compile();
      return { moduleRef, client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')) };
    };

    it("builds the library's client by default, Nest's ClientTCP with tcp.client 'nest' or an option only Nest's client takes", async () => {
      for (const [tcp, options, kind] of [
        [undefined, {}, MessagingTcpClient],
        [{ client: 'nest' }, {}, ClientTCP],
        [undefined, { tlsOptions: undefined, serializer: { serialize: (v: unknown) => v } }, ClientTCP],
      ] as const) {
        const { moduleRef, client } = await build(tcp, options);
        try {
          expect(client.proxy).toBeInstanceOf(kind);
          await expect(client.request({ cmd: 'echo' }, { n: 1 })).resolves.toMatchObject({ data: { n: 1 } });
        } finally {
          await moduleRef.close();
        }
      }
    });

    it("the transports guide's example: the library's client by default, Nest's on request", async () => {
      const port = plain.port;
      const moduleRef = await Test.createTestingModule({
        imports: [
          // #region tcp-client
          MessagingModule.forRoot({
            clients: [
              // The library's TCP client (the default for TCP): Nest's frames on the wire, less CPU per call.
              { name: 'orders', transport: Transport.TCP, options: { host: '127.0.0.1', port } },
              // Nest's ClientTCP, chosen explicitly (it is also chosen for a socketClass, tlsOptions, serializer or deserializer).
              { name: 'billing', transport: Transport.TCP, options: { host: '127.0.0.1', port }, tcp: { client: 'nest' } },
            ],
          }),
          // #endregion tcp-client
        ],
      }).compile();
      try {
        const orders = moduleRef.get<MessagingClient>(getMessagingClientToken('orders'));
        const billing = moduleRef.get<MessagingClient>(getMessagingClientToken('billing'));
        expect([orders.proxy, billing.proxy].map((p) => p.constructor.name)).toEqual(['MessagingTcpClient', 'ClientTCP']);
        await expect(orders.request({ cmd: 'echo' }, { n: 1 })).resolves.toMatchObject({ data: { n: 1 } });
        await expect(billing.request({ cmd: 'echo' }, { n: 2 })).resolves.toMatchObject({ data: { n: 2 } });
      } finally {
        await moduleRef.close();
      }
    });

    it("refuses tcp.client 'library' with an option only Nest's client takes, naming it", async () => {
      await expect(build({ client: 'library' }, { socketClass: class {} })).rejects.toThrow(MessagingConfigurationError);
      await expect(build({ client: 'library' }, { socketClass: class {} })).rejects.toThrow(/socketClass.*tcp\.client 'nest'/);
      await expect(build({ client: 'fast' })).rejects.toThrow(/tcp\.client fast: give 'library' or 'nest'/);
    });
  });
});
