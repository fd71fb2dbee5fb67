import { Controller, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, NEVER, of, toArray } from 'rxjs';
import {
  getMessageContext,
  getMessagingClientToken,
  MessageMeta,
  MessagingClient,
  MessagingClientClosedError,
  MessagingConnectionError,
  MessagingErrorCode,
  MessagingModule,
  MessagingRemoteError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { nestMajor, pendingRequests, startTcpServer, waitFor } from './support/nest';
import { CLIENT_SUITE_TRANSPORTS, tcpTransport, timedBoot, type Address, type SuiteServer, type SuiteTransport } from './support/suite-transports';

interface Seen {
  data: unknown;
  meta: MessageMetadata;
  contextCorrelationId?: string;
}

const seen: Seen[] = [];
const events: Seen[] = [];
let businessCalls = 0;

@Controller()
class LibraryController {
  @MessagePattern({ cmd: 'probe' })
  probe(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata): Seen {
    const entry = { data, meta, contextCorrelationId: getMessageContext()?.correlationId };
    seen.push(entry);
    return entry;
  }

  @EventPattern({ cmd: 'probe_event' })
  probeEvent(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata): void {
    events.push({ data, meta });
  }

  @MessagePattern({ cmd: 'hang' })
  hang() {
    return NEVER;
  }

  @MessagePattern({ cmd: 'stream' })
  stream() {
    return of(1, 2, 3);
  }

  @MessagePattern({ cmd: 'nothing' })
  nothing(): void {
    return undefined;
  }

  @MessagePattern({ cmd: 'business_error' })
  businessError() {
    businessCalls++;
    throw new RpcException({ code: 'NOT_FOUND', message: 'user 42 does not exist' });
  }
}

@Controller()
class PlainController {
  @MessagePattern({ cmd: 'probe' })
  probe(data: unknown) {
    seen.push({ data, meta: undefined as never });
    return { got: data };
  }
}

async function clientModule(t: SuiteTransport, address: Address, extra: Partial<Parameters<typeof MessagingModule.forRoot>[0]> = {}) {
  const definition = t.clientDefinition('svc', address);
  const moduleRef = await timedBoot(
    'client module',
    async () => {
      const compiled = await Test.createTestingModule({
        imports: [MessagingModule.forRoot({ clients: [definition], ...extra })],
      }).compile();
      return compiled.init();
    },
    (ref) => ref.close(),
  );
  return { moduleRef, client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')) };
}

describe.each(CLIENT_SUITE_TRANSPORTS)(`MessagingClient over %s (Nest ${nestMajor})`, (_, transport) => {
  const t = transport();
  let server: SuiteServer;
  let ctx: INestApplicationContext;
  let client: MessagingClient;

  beforeAll(async () => {
    server = await t.startServer([LibraryController]);
    ({ moduleRef: ctx, client } = await clientModule(t, server.address, { defaults: { timeout: 2000 } }));
  });
  afterAll(async () => {
    await ctx?.close();
    await server?.close();
    t.close();
  });
  beforeEach(() => {
    seen.length = 0;
    events.length = 0;
  });

  it('delivers every metadata field to the handler and runs it in the message context', async () => {
    const before = Date.now();
    const result = await runWithMessageContext({ correlationId: 'corr-1', app: { tenant: 'acme' } }, () =>
      client.request<Seen>({ cmd: 'probe' }, { id: 1 }, { payloadVersion: 2 }),
    );
    expect(result.data).toEqual({ id: 1 });
    const meta = result.meta;
    expect(meta.messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(meta.correlationId).toBe('corr-1');
    expect(meta.causationId).toBeUndefined();
    expect(meta.attempt).toBe(1);
    expect(meta.payloadVersion).toBe(2);
    expect(meta.app).toEqual({ tenant: 'acme' });
    expect(meta.sentAt).toBeGreaterThanOrEqual(before);
    expect(meta.sentAt).toBeLessThanOrEqual(Date.now());
    expect(result.contextCorrelationId).toBe('corr-1');
  });

  it.each([42, 'text', true, [1, 2]])('carries metadata with the primitive or array payload %p', async (payload) => {
    const result = await runWithMessageContext({ correlationId: 'corr-prim' }, () =>
      client.request<Seen>({ cmd: 'probe' }, payload),
    );
    expect(result.data).toEqual(payload);
    expect(result.meta.correlationId).toBe('corr-prim');
  });

  it('carries metadata with events, for object and primitive payloads', async () => {
    await runWithMessageContext({ correlationId: 'corr-ev' }, async () => {
      await lastValueFrom(client.emit({ cmd: 'probe_event' }, { id: 7 }));
      await lastValueFrom(client.emit({ cmd: 'probe_event' }, 'plain text'));
    });
    await waitFor(() => events.length === 2, 5000, 'two events');
    expect(events.map((e) => e.data).sort()).toEqual([{ id: 7 }, 'plain text'].sort());
    for (const e of events) {
      expect(e.meta.correlationId).toBe('corr-ev');
      expect(e.meta.messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(events[0]!.meta.messageId).not.toBe(events[1]!.meta.messageId);
  });

  it('gives 50 concurrent calls each their own ids', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        runWithMessageContext({ correlationId: `c-${i}`, app: { n: String(i) } }, async () => {
          await new Promise((r) => setImmediate(r));
          return client.request<Seen>({ cmd: 'probe' }, { i });
        }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.data).toEqual({ i });
      expect(r.meta.correlationId).toBe(`c-${i}`);
      expect(r.meta.app).toEqual({ n: String(i) });
      expect(r.contextCorrelationId).toBe(`c-${i}`);
    });
    expect(new Set(results.map((r) => r.meta.messageId)).size).toBe(50);
  });

  it('makes a fresh correlation id per call outside any context', async () => {
    const [a, b] = await Promise.all([
      client.request<Seen>({ cmd: 'probe' }, {}),
      client.request<Seen>({ cmd: 'probe' }, {}),
    ]);
    expect(a.meta.correlationId).not.toBe(b.meta.correlationId);
  });

  it('streams every value of an Observable handler, and resolves undefined for no result', async () => {
    expect(await firstValueFrom(client.send({ cmd: 'stream' }, {}).pipe(toArray()))).toEqual([1, 2, 3]);
    expect(await client.request({ cmd: 'stream' }, {})).toBe(3);
    expect(await client.request({ cmd: 'nothing' }, {})).toBeUndefined();
  });

  it('times out a handler that never answers within budget + 100 ms, leaving no pending entry', async () => {
    const started = performance.now();
    const err = await client.request({ cmd: 'hang' }, {}, { timeout: 300 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(MessagingTimeoutError);
    const timeout = err as MessagingTimeoutError;
    expect(timeout.code).toBe(MessagingErrorCode.DEADLINE_EXCEEDED);
    expect(timeout).toMatchObject({ pattern: { cmd: 'hang' }, client: 'svc', timeout: 300, attempts: 1 });
    expect(timeout.elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeLessThan(400);
    expect(pendingRequests(client.proxy)).toBe(0);
  });

  it('does not retry a remote business error, even for an idempotent call', async () => {
    businessCalls = 0;
    const err = await client
      .request({ cmd: 'business_error' }, {}, { idempotent: true, retry: { maxAttempts: 5, baseDelay: 1 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, remote: { code: 'NOT_FOUND', message: 'user 42 does not exist' } });
    expect(businessCalls).toBe(1);
  });

  it('lets a plain Nest client call a library-equipped handler', async () => {
    const plain = t.proxy(server.address);
    try {
      const result = await firstValueFrom(plain.send<Seen>({ cmd: 'probe' }, { plain: true }));
      expect(result.data).toEqual({ plain: true });
      expect(result.meta.correlationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(result.meta.attempt).toBe(1);
    } finally {
      await plain.close();
    }
  });
});

describe(`MessagingClient against a plain Nest server (Nest ${nestMajor})`, () => {
  it('delivers the bare payload to a plain handler', async () => {
    const server = await startTcpServer([PlainController], { library: false });
    const { moduleRef, client } = await clientModule(tcpTransport(), server.port);
    try {
      seen.length = 0;
      const result = await client.request({ cmd: 'probe' }, { id: 5 });
      expect(result).toEqual({ got: { id: 5 } });
      expect(seen[0]!.data).toEqual({ id: 5 });
      expect(await client.request({ cmd: 'probe' }, 'bare')).toEqual({ got: 'bare' });
    } finally {
      await moduleRef.close();
      await server.close();
    }
  });
});

describe.each(CLIENT_SUITE_TRANSPORTS)(`MessagingClient failures over %s (Nest ${nestMajor})`, (_, transport) => {
  const t = transport();
  afterAll(() => t.close());

  it('fails fast with a typed connection error when the server is down, and works once it is back', async () => {
    const address = await t.unusedAddress();
    const { moduleRef, client } = await clientModule(t, address);
    try {
      const started = performance.now();
      const err = await client.request({ cmd: 'probe' }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingConnectionError);
      expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true, client: 'svc' });
      expect(performance.now() - started).toBeLessThan(1000);
      const server = await t.startServer([LibraryController], { address });
      try {
        // Nest's ClientTCP keeps the refused connection until the socket's 'close' event (a loop turn
        // later), so poll: the app recovers without a restart.
        let result: Seen | undefined;
        await waitFor(async () => {
          result = await client.request<Seen>({ cmd: 'probe' }, { back: true }).catch(() => undefined);
          return result !== undefined;
        }, 3000, 'a call to succeed after the restart');
        expect(result!.data).toEqual({ back: true });
      } finally {
        await server.close();
      }
    } finally {
      await moduleRef.close();
    }
  });

  it('retries an idempotent call through two dropped connections, keeping its message id', async () => {
    const server = await t.startServer([LibraryController]);
    const proxy = await t.faultyLink(server.address, 2);
    const { moduleRef, client } = await clientModule(t, proxy.address, {
      defaults: { timeout: 3000, idempotent: true, retry: { maxAttempts: 3, baseDelay: 20, maxDelay: 50 } },
    });
    const retries: number[] = [];
    try {
      seen.length = 0;
      const result = await client.request<Seen>({ cmd: 'probe' }, { retry: 1 }, { onRetry: (e) => retries.push(e.attempt) });
      expect(result.data).toEqual({ retry: 1 });
      expect(result.meta.attempt).toBe(3);
      expect(retries).toEqual([1, 2]);
      expect(proxy.accepted).toBe(3);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.meta.messageId).toBe(result.meta.messageId);
    } finally {
      await moduleRef.close();
      await proxy.stop();
      await server.close();
    }
  });

  it('gives up with MessagingRetriesExhaustedError holding each attempt error', async () => {
    const server = await t.startServer([LibraryController]);
    const proxy = await t.faultyLink(server.address, 10);
    const { moduleRef, client } = await clientModule(t, proxy.address, {
      defaults: { idempotent: true, retry: { maxAttempts: 3, baseDelay: 5, maxDelay: 10 } },
    });
    try {
      const err = await client.request({ cmd: 'probe' }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingRetriesExhaustedError);
      const exhausted = err as MessagingRetriesExhaustedError;
      expect(exhausted.attempts).toBe(3);
      expect(exhausted.code).toBe(MessagingErrorCode.UNAVAILABLE);
      exhausted.attemptErrors.forEach((e) => expect(e).toBeInstanceOf(MessagingConnectionError));
    } finally {
      await moduleRef.close();
      await proxy.stop();
      await server.close();
    }
  });

  it('does not retry calls that are not marked idempotent', async () => {
    const server = await t.startServer([LibraryController]);
    const proxy = await t.faultyLink(server.address, 1);
    const { moduleRef, client } = await clientModule(t, proxy.address);
    try {
      const err = await client.request({ cmd: 'probe' }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingConnectionError);
      expect(proxy.accepted).toBe(1);
    } finally {
      await moduleRef.close();
      await proxy.stop();
      await server.close();
    }
  });

  it('fails pending calls with MessagingClientClosedError when the application closes', async () => {
    const server = await t.startServer([LibraryController]);
    const { moduleRef, client } = await clientModule(t, server.address, { defaults: { timeout: 10_000 } });
    try {
      const pending = client.request({ cmd: 'hang' }, {}).catch((e: unknown) => e);
      await waitFor(() => pendingRequests(client.proxy) === 1, 5000, 'the request to be pending');
      const started = performance.now();
      await moduleRef.close();
      const err = await pending;
      expect(err).toBeInstanceOf(MessagingClientClosedError);
      expect(err).toMatchObject({ code: MessagingErrorCode.CANCELLED, client: 'svc', pattern: { cmd: 'hang' } });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(pendingRequests(client.proxy)).toBe(0);
      await expect(client.request({ cmd: 'probe' }, {})).rejects.toBeInstanceOf(MessagingClientClosedError);
    } finally {
      await server.close();
    }
  });
});
