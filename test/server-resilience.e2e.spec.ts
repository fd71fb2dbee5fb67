import { Test } from '@nestjs/testing';
import { Payload, RpcException, Transport } from '@nestjs/microservices';
import { lastValueFrom, NEVER } from 'rxjs';
import Redis from 'ioredis';
import { EventHandler, getMessagingClientToken, MessageHandler, MessagingClient, MessagingConnectionError, MessagingErrorCode, MessagingModule, MessagingRemoteError, MemoryDedupeStore, RedisDedupeStore, type DedupeStore } from '../src';
import { OutgoingMessage } from '../src/wire/outgoing-message';
import { Controller, nestMajor, startTcpServer, waitFor, type RunningServer } from './support/nest';
import { describeWithBroker } from './support/brokers';
import { encodeMetadata, newId } from '../src/extend';

const handled: Record<string, number> = {};
let failNext = 0;

@Controller()
class ShutdownController {
  @MessageHandler({ cmd: 'slow' })
  async slow(@Payload() data: { ms: number; n: number }) {
    await new Promise((r) => setTimeout(r, data.ms));
    return data.n;
  }

  @MessageHandler({ cmd: 'never' })
  never() {
    return NEVER;
  }

  @MessageHandler({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }

  @MessageHandler({ cmd: 'echo_big' }, { maxPayloadSize: 100_000 })
  echoBig(@Payload() data: unknown) {
    return data;
  }
}

@Controller()
class EventsController {
  @EventHandler({ evt: 'deduped' }, { dedupe: { window: 60_000 } })
  deduped() {
    handled.deduped = (handled.deduped ?? 0) + 1;
  }

  @EventHandler({ evt: 'plain' })
  plain() {
    handled.plain = (handled.plain ?? 0) + 1;
  }

  @EventHandler({ evt: 'flaky' }, { dedupe: true })
  flaky() {
    handled.flakyRuns = (handled.flakyRuns ?? 0) + 1;
    if (failNext > 0) {
      failNext--;
      throw new RpcException({ code: 'UNAVAILABLE', message: 'transient', retryable: true });
    }
    handled.flaky = (handled.flaky ?? 0) + 1;
  }
}

async function clientFor(port: number, policy = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, policy }] })],
  }).compile();
  await moduleRef.init();
  return { ctx: moduleRef, client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')) };
}

/** Emits one event with a fixed message id, as a redelivery would carry it. */
function emitWithId(client: MessagingClient, pattern: object, messageId: string): Promise<unknown> {
  const metadata = encodeMetadata({ messageId, correlationId: newId(), attempt: 1, app: {} });
  return lastValueFrom(client.proxy.emit(pattern, new OutgoingMessage({}, metadata)), { defaultValue: undefined });
}

describe(`Graceful shutdown over TCP (Nest ${nestMajor})`, () => {
  it('lets in-flight handlers finish and reply, refuses new requests with a retryable UNAVAILABLE, then closes', async () => {
    const server = await startTcpServer([ShutdownController], { server: { gracePeriod: 3000 } });
    const { ctx, client } = await clientFor(server.port);
    try {
      const inFlight = [1, 2, 3, 4, 5].map((n) => client.request({ cmd: 'slow' }, { ms: 300, n }));
      await waitFor(() => serverInFlight(server) === 5, 2000, 'five handlers in flight');
      const started = performance.now();
      const closing = server.close();
      await waitFor(() => serverDraining(server), 1000, 'draining');
      const refused = await client.request({ cmd: 'echo' }, { late: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(MessagingRemoteError);
      expect(refused).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
      expect(await Promise.all(inFlight)).toEqual([1, 2, 3, 4, 5]);
      await closing;
      const took = performance.now() - started;
      expect(took).toBeLessThan(2000); // it did not wait for the whole grace period
      await expect(client.request({ cmd: 'echo' }, {})).rejects.toBeInstanceOf(MessagingConnectionError);
    } finally {
      await ctx.close();
    }
  });

  it('closes after the grace period when a handler never ends; the caller gets a typed error', async () => {
    const server = await startTcpServer([ShutdownController], { server: { gracePeriod: 300 } });
    const { ctx, client } = await clientFor(server.port);
    try {
      const pending = client.request({ cmd: 'never' }, {}, { timeout: 5000 }).catch((e: unknown) => e);
      await waitFor(() => serverInFlight(server) === 1, 2000, 'the handler in flight');
      const started = performance.now();
      await server.close();
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1500);
      expect(await pending).toBeInstanceOf(MessagingConnectionError);
    } finally {
      await ctx.close();
    }
  });

  it('without a grace period closes at once, as Nest does', async () => {
    const server = await startTcpServer([ShutdownController]);
    const { ctx, client } = await clientFor(server.port);
    try {
      const pending = client.request({ cmd: 'slow' }, { ms: 600, n: 1 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      await server.close();
      expect(performance.now() - started).toBeLessThan(200);
      expect(await pending).toBeInstanceOf(MessagingConnectionError);
    } finally {
      await ctx.close();
    }
  });

  it('rejects a bad grace period with what to do', async () => {
    await expect(startTcpServer([ShutdownController], { server: { gracePeriod: -1 } })).rejects.toThrow(
      'gracePeriod is -1: give milliseconds >= 0',
    );
  });
});

describe(`Handler maxPayloadSize (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTcpServer([ShutdownController], { server: { handlers: { maxPayloadSize: 1000 } } });
  });
  afterAll(() => server.close());

  it('refuses a payload over the module limit with RESOURCE_EXHAUSTED and a clear message; a handler may raise it', async () => {
    const { ctx, client } = await clientFor(server.port);
    try {
      await expect(client.request({ cmd: 'echo' }, { s: 'a'.repeat(900) })).resolves.toEqual({ s: 'a'.repeat(900) });
      const err = (await client.request({ cmd: 'echo' }, { s: 'a'.repeat(2000) }).catch((e: unknown) => e)) as MessagingRemoteError;
      expect(err).toBeInstanceOf(MessagingRemoteError);
      expect(err).toMatchObject({ code: MessagingErrorCode.RESOURCE_EXHAUSTED, retryable: false, details: { size: 2008, limit: 1000 } });
      expect(err.message).toContain("2008 bytes of JSON, above the handler's limit of 1000 bytes");
      await expect(client.request({ cmd: 'echo_big' }, { s: 'a'.repeat(2000) })).resolves.toBeDefined();
    } finally {
      await ctx.close();
    }
  });
});

describe(`Event dedupe (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  let ctx: Awaited<ReturnType<typeof clientFor>>['ctx'];
  let client: MessagingClient;
  beforeAll(async () => {
    server = await startTcpServer([EventsController]);
    ({ ctx, client } = await clientFor(server.port));
  });
  afterAll(async () => {
    await ctx.close();
    await server.close();
  });
  beforeEach(() => {
    for (const k of Object.keys(handled)) delete handled[k];
  });

  it('handles a duplicate delivery once with dedupe on, twice with it off', async () => {
    const id = newId();
    await emitWithId(client, { evt: 'deduped' }, id);
    await emitWithId(client, { evt: 'deduped' }, id);
    await emitWithId(client, { evt: 'plain' }, id);
    await emitWithId(client, { evt: 'plain' }, id);
    await waitFor(() => handled.plain === 2, 3000, 'both plain deliveries');
    // The deduped pair went first on the same connection: both were processed by now.
    await emitWithId(client, { evt: 'deduped' }, newId());
    await waitFor(() => handled.deduped === 2, 3000, 'a new id to be handled');
    expect(handled).toMatchObject({ deduped: 2, plain: 2 });
  });

  it('forgets the id when the handler fails, so the redelivery is handled', async () => {
    const id = newId();
    failNext = 1;
    await emitWithId(client, { evt: 'flaky' }, id);
    await waitFor(() => handled.flakyRuns === 1, 3000, 'the failing run');
    await waitFor(async () => {
      await emitWithId(client, { evt: 'flaky' }, id);
      return handled.flaky === 1;
    }, 3000, 'the redelivery');
    await emitWithId(client, { evt: 'flaky' }, id);
    await new Promise((r) => setTimeout(r, 100));
    expect(handled.flaky).toBe(1);
  });
});

describe('MemoryDedupeStore', () => {
  it('remembers ids for their window, and at most maxEntries of them', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const store = new MemoryDedupeStore({ maxEntries: 3 });
      expect(store.claim('a', 1000)).toBe('claimed');
      expect(store.claim('a', 1000)).toBe('processing'); // its lease runs
      jest.advanceTimersByTime(1001);
      expect(store.claim('a', 1000)).toBe('claimed'); // the lease ran out: its holder died
      store.complete('a', 5000);
      expect(store.claim('a', 1000)).toBe('done');
      for (const k of ['b', 'c', 'd', 'e']) store.claim(k, 1000);
      expect(store.size).toBe(3);
      expect(store.claim('a', 1000)).toBe('claimed'); // forgotten: the oldest went first
      store.release('e');
      expect(store.claim('e', 1000)).toBe('claimed');
    } finally {
      jest.useRealTimers();
    }
  });
});

describeWithBroker('redis', `Event dedupe with a Redis store shared by two instances (Nest ${nestMajor})`, () => {
  it('handles a message delivered to both instances once', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const store: DedupeStore = new RedisDedupeStore(redis, { service: 'events-svc', keyPrefix: `test:${newId()}:` });
    const handlers = { server: { handlers: { dedupe: { store } } } };
    const a = await startTcpServer([EventsController], handlers);
    const b = await startTcpServer([EventsController], handlers);
    const ca = await clientFor(a.port);
    const cb = await clientFor(b.port);
    try {
      for (const k of Object.keys(handled)) delete handled[k];
      const id = newId();
      // The server-level dedupe applies to every @EventHandler, 'plain' included.
      await emitWithId(ca.client, { evt: 'plain' }, id);
      await emitWithId(cb.client, { evt: 'plain' }, id);
      await emitWithId(cb.client, { evt: 'plain' }, newId());
      await waitFor(() => handled.plain === 2, 3000, 'two distinct events');
      await new Promise((r) => setTimeout(r, 100));
      expect(handled.plain).toBe(2);
      expect(await redis.pttl(`${(store as unknown as { prefix: string }).prefix}EventsController.plain:${id}`)).toBeGreaterThan(500_000);
    } finally {
      await ca.ctx.close();
      await cb.ctx.close();
      await a.close();
      await b.close();
      redis.disconnect();
    }
  });
});

function serverInFlight(server: RunningServer): number {
  return (server.app as unknown as { serverInstance: { inFlight: { size: number } } }).serverInstance.inFlight.size;
}
function serverDraining(server: RunningServer): boolean {
  return (server.app as unknown as { serverInstance: { inFlight: { isDraining: boolean } } }).serverInstance.inFlight.isDraining;
}
