import type { AddressInfo, Server } from 'node:net';
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Payload, Transport, type ClientProxy, type ServerTCP } from '@nestjs/microservices';
import Redis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { EventHandler, MemoryDedupeStore, MessagingClient, MessagingClientSerializer, messagingMicroservice, RedisDedupeStore, type DedupeStore } from '../src';
import { OutgoingMessage } from '../src/wire/outgoing-message';
import { describeWithBroker } from './support/brokers';
import { CapturingLogger } from './support/log-capture';
import { Controller, nestMajor, waitFor } from './support/nest';
import { uniqueName } from './support/transports';
import { encodeMetadata, newId } from '../src/extend';

/**
 * Issue 11, item 5, on both Nest majors: what the handler side does when its
 * dedupe store does not answer or fails (claimTimeout, at-least-once, one log
 * line per outage with a count), and the Redis store's keys and phases.
 */

const logger = new CapturingLogger();

/** A store that answers, never answers, or fails, as the test says. */
class SwitchableStore implements DedupeStore {
  mode: 'up' | 'silent' | 'failing' = 'up';
  private readonly inner = new MemoryDedupeStore();

  private gate<T>(op: () => T): T | Promise<T> {
    if (this.mode === 'silent') return new Promise<T>(() => undefined);
    if (this.mode === 'failing') return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
    return op();
  }
  claim(key: string, leaseMs: number) {
    return this.gate(() => this.inner.claim(key, leaseMs));
  }
  complete(key: string, windowMs: number) {
    return this.gate(() => this.inner.complete(key, windowMs));
  }
  release(key: string) {
    return this.gate(() => this.inner.release(key));
  }
}

const store = new SwitchableStore();
const CLAIM_TIMEOUT = 200;
const runs: Array<{ n: number; at: number }> = [];

@Controller()
class OrdersController {
  @EventHandler({ evt: 'dedupe_store.order_placed' }, { dedupe: { store, claimTimeout: CLAIM_TIMEOUT, lease: 5000 } })
  placed(@Payload() data: { n: number }) {
    runs.push({ n: data.n, at: performance.now() });
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

const outages = (from: number) => logger.lines.slice(from).filter((l) => /^dedupe store \S+ failed/.test(l.text));
const recoveries = (from: number) => logger.lines.slice(from).filter((l) => /^dedupe store \S+ answers again/.test(l.text));

describe(`Dedupe when the store does not answer or fails (Nest ${nestMajor})`, () => {
  let app: INestMicroservice;
  let proxy: ClientProxy;
  let client: MessagingClient;
  let n = 0;

  beforeAll(async () => {
    const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
    app = await NestFactory.createMicroservice(OrdersModule, { ...strategy, logger });
    await app.listen();
    const port = ((strategy.strategy as ServerTCP).unwrap<Server>().address() as AddressInfo).port;
    proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port, serializer: new MessagingClientSerializer() } });
    client = MessagingClient.wrap(proxy, 'orders');
  });
  afterAll(async () => {
    await client.close();
    proxy.close();
    await app.close();
  });
  afterEach(() => {
    store.mode = 'up';
  });

  /** Emits an event (with `messageId`, for a redelivery) and resolves with its number and send time. */
  async function emit(messageId = newId()): Promise<{ n: number; sent: number }> {
    const event = { n: n++, sent: performance.now() };
    const metadata = encodeMetadata({ messageId, correlationId: newId(), attempt: 1, app: {} });
    await lastValueFrom(proxy.emit({ evt: 'dedupe_store.order_placed' }, new OutgoingMessage({ n: event.n }, metadata)), { defaultValue: undefined });
    return event;
  }
  const runsOf = (e: { n: number }) => runs.filter((r) => r.n === e.n);

  it('a store that does not answer: each event is handled after claimTimeout; one warning for the outage, a count when it answers again', async () => {
    const from = logger.lines.length;
    store.mode = 'silent';
    const events = [await emit(), await emit(), await emit(), await emit(), await emit()];
    await waitFor(() => events.every((e) => runsOf(e).length === 1), 5000, 'the events to be handled');
    for (const e of events) {
      const waited = runsOf(e)[0]!.at - e.sent;
      expect(waited).toBeGreaterThanOrEqual(CLAIM_TIMEOUT - 5);
      expect(waited).toBeLessThan(CLAIM_TIMEOUT + 1500);
    }
    expect(outages(from)).toHaveLength(1);
    expect(outages(from)[0]).toMatchObject({ level: 'warn', context: 'MessagingServer' });
    expect(outages(from)[0]!.text).toContain(`no answer within ${CLAIM_TIMEOUT} ms (claimTimeout)`);
    store.mode = 'up';
    const next = await emit();
    await waitFor(() => recoveries(from).length === 1, 3000, 'the recovery line');
    expect(runsOf(next)).toHaveLength(1);
    expect(recoveries(from)[0]!.text).toContain('5 message(s) were handled without dedupe meanwhile');
    expect(outages(from)).toHaveLength(1);
  });

  it('a store that fails: events are handled at once, without dedupe (at-least-once: a redelivery runs again); one warning', async () => {
    const from = logger.lines.length;
    store.mode = 'failing';
    const id = newId();
    const first = await emit(id);
    const again = await emit(id);
    await waitFor(() => runsOf(first).length === 1 && runsOf(again).length === 1, 3000, 'both deliveries to be handled');
    expect(runsOf(first)[0]!.at - first.sent).toBeLessThan(CLAIM_TIMEOUT);
    expect(outages(from)).toHaveLength(1);
    store.mode = 'up';
    await emit();
    await waitFor(() => recoveries(from).length === 1, 3000, 'the recovery line');
    expect(recoveries(from)[0]!.text).toContain('2 message(s)');
  });

  it('a store that answers: a redelivery of a handled event is dropped', async () => {
    const id = newId();
    const first = await emit(id);
    await waitFor(() => runsOf(first).length === 1, 3000, 'the first delivery');
    const again = await emit(id);
    const marker = await emit();
    await waitFor(() => runsOf(marker).length === 1, 3000, 'a later event');
    expect(runsOf(again)).toHaveLength(0);
  });
});

describe('RedisDedupeStore options', () => {
  it("needs the service's name", () => {
    const redis = { set: async () => 'OK', del: async () => 1 } as never;
    expect(() => new RedisDedupeStore(redis, {} as never)).toThrow(/needs the service's name/);
    expect(() => new RedisDedupeStore(redis, { service: '' })).toThrow(/needs the service's name/);
  });
});

describeWithBroker('redis', `RedisDedupeStore on a real Redis (Nest ${nestMajor})`, () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis({ host: '127.0.0.1', port: 6379 });
  });
  afterAll(() => redis.disconnect());

  it('scopes keys by service: two services claim the same handler and id, two instances of one service share it', async () => {
    const key = `OrdersController.placed:${newId()}`;
    const billing = uniqueName('billing');
    const a = new RedisDedupeStore(redis, { service: billing });
    const b = new RedisDedupeStore(redis, { service: billing });
    const shipping = new RedisDedupeStore(redis, { service: uniqueName('shipping') });
    expect(await a.claim(key, 10_000)).toBe('claimed');
    expect(await b.claim(key, 10_000)).toBe('processing');
    expect(await shipping.claim(key, 10_000)).toBe('claimed');
    expect(await redis.exists(`nestjs-messaging:dedupe:${billing}:${key}`)).toBe(1);
  });

  it('claims for a lease, marks done for the window, releases on failure', async () => {
    const service = uniqueName('orders');
    const store = new RedisDedupeStore(redis, { service });
    const full = (k: string) => `nestjs-messaging:dedupe:${service}:${k}`;
    // A claim whose holder dies: free again once its lease ran out.
    const leased = `h.m:${newId()}`;
    expect(await store.claim(leased, 150)).toBe('claimed');
    expect(await redis.get(full(leased))).toBe('processing');
    expect(await store.claim(leased, 150)).toBe('processing');
    await waitFor(async () => (await redis.exists(full(leased))) === 0, 3000, 'the lease to run out');
    expect(await store.claim(leased, 150)).toBe('claimed');
    // Done: remembered for the window.
    const done = `h.m:${newId()}`;
    await store.claim(done, 150);
    await store.complete(done, 60_000);
    expect(await redis.get(full(done))).toBe('done');
    expect(await redis.pttl(full(done))).toBeGreaterThan(55_000);
    expect(await store.claim(done, 150)).toBe('done');
    // Released: the next delivery is handled.
    const failed = `h.m:${newId()}`;
    await store.claim(failed, 10_000);
    await store.release(failed);
    expect(await store.claim(failed, 10_000)).toBe('claimed');
    await redis.del(full(leased), full(done), full(failed));
  });
});
