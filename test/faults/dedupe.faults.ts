import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { Inject, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Payload, Transport, type ClientProxy, type ServerTCP } from '@nestjs/microservices';
import Redis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { EventHandler, getMessageContext, MessagingClient, MessagingClientSerializer, messagingMicroservice, RedisDedupeStore, type MessagingMicroserviceOptions } from '../../src';
import { OutgoingMessage } from '../../src/wire/outgoing-message';
import { describeWithBroker } from '../support/brokers';
import { FreezingTcpProxy } from '../support/freezing-proxy';
import { CapturingLogger } from '../support/log-capture';
import { Controller, waitFor } from '../support/nest';
import { freePort, uniqueName } from '../support/transports';
import { record, watchUnhandledRejections } from './support/summary';
import { encodeMetadata, newId, type DedupeOptions } from '../../src/extend';

/**
 * Issue 11, item 5: event dedupe on a bad Redis link (half-open, refusing),
 * services sharing one Redis, and a crash mid-handler followed by the
 * broker's redelivery.
 */

const logger = new CapturingLogger();
const now = () => performance.now();
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Handler runs of the in-process servers, by event number. */
const runs = new Map<number, number>();
const handledAt = new Map<number, number>();

@Controller()
class PaymentsController {
  @EventHandler({ evt: 'dedupe_faults.order_paid' })
  paid(@Payload() data: { n: number }) {
    runs.set(data.n, (runs.get(data.n) ?? 0) + 1);
    if (!handledAt.has(data.n)) handledAt.set(data.n, now());
  }
}

async function startServer(module: Type<unknown>, options: MessagingMicroserviceOptions, dedupe: DedupeOptions): Promise<INestMicroservice> {
  const strategy = messagingMicroservice(options, { handlers: { dedupe } });
  const app = await NestFactory.createMicroservice(module, { ...strategy, logger });
  await app.listen();
  return app;
}

@Module({ controllers: [PaymentsController] })
class PaymentsModule {}

/** A library TCP server whose event handler dedupes in `dedupe.store`, and a client for it. */
async function paymentsService(dedupe: DedupeOptions): Promise<{ emit: (n: number) => Promise<number>; close: () => Promise<void> }> {
  const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } }, { handlers: { dedupe } });
  const app = await NestFactory.createMicroservice(PaymentsModule, { ...strategy, logger });
  await app.listen();
  const port = ((strategy.strategy as ServerTCP).unwrap<Server>().address() as AddressInfo).port;
  const proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port, serializer: new MessagingClientSerializer() } });
  const client = MessagingClient.wrap(proxy, 'payments');
  return {
    /** Publishes event `n` (a new message id) and resolves with the time it was sent. */
    emit: async (n) => {
      const at = now();
      await lastValueFrom(client.emit({ evt: 'dedupe_faults.order_paid' }, { n }));
      return at;
    },
    close: async () => {
      await client.close();
      proxy.close();
      await app.close();
    },
  };
}

let nextEvent = 0;

/** Emits `count` events, one every `every` ms; resolves with their numbers and send times once all are handled. */
async function emitAndWait(svc: { emit: (n: number) => Promise<number> }, count: number, every: number, timeoutMs: number) {
  const sent = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const n = nextEvent++;
    sent.set(n, await svc.emit(n));
    if (every > 0) await delay(every);
  }
  await waitFor(() => [...sent.keys()].every((n) => handledAt.has(n)), timeoutMs, `${count} events to be handled`);
  const latencies = [...sent].map(([n, at]) => handledAt.get(n)! - at);
  return { numbers: [...sent.keys()], latencies, max: Math.max(...latencies), min: Math.min(...latencies) };
}

const outageLines = (from: number) => logger.lines.slice(from).filter((l) => /^dedupe store \S+ failed/.test(l.text));
const recoveryLines = (from: number) => logger.lines.slice(from).filter((l) => /^dedupe store \S+ answers again/.test(l.text));

describeWithBroker('redis', 'event dedupe on a bad Redis link', () => {
  it('a half-open link to Redis: each event is handled within about claimTimeout, one log line for the outage', async () => {
    const CLAIM_TIMEOUT = 300;
    const proxy = new FreezingTcpProxy(6379);
    const rejections = watchUnhandledRejections();
    const redis = new Redis({ host: '127.0.0.1', port: await proxy.start(), lazyConnect: true });
    redis.on('error', () => undefined);
    await redis.connect();
    const svc = await paymentsService({
      store: new RedisDedupeStore(redis, { service: uniqueName('payments') }),
      claimTimeout: CLAIM_TIMEOUT,
      lease: 5000,
      window: 60_000,
    });
    try {
      const healthy = await emitAndWait(svc, 5, 0, 5000);
      await redis.ping(); // the warm-up's claims and completions are answered
      const from = logger.lines.length;
      proxy.freeze();
      const frozen = await emitAndWait(svc, 20, 25, 20 * 25 + CLAIM_TIMEOUT + 5000);
      const linesDuringOutage = outageLines(from).length;
      // The link heals (TCP delivers what it held): the next claim is answered, the outage's count is logged.
      proxy.thaw();
      await emitAndWait(svc, 1, 0, 5000);
      await waitFor(() => recoveryLines(from).length > 0, 5000, 'the recovery log line');
      await redis.ping(); // the last completion is answered before the link is closed
      const recovery = recoveryLines(from)[0]!.text;
      record({
        scenario: 'dedupe: half-open link to Redis (claimTimeout 300 ms)',
        calls: 26,
        succeeded: [...healthy.numbers, ...frozen.numbers].filter((n) => runs.get(n) === 1).length + 1,
        typedFailures: 0,
        hung: 0,
        unhandledRejections: rejections.count(),
        notes:
          `while frozen: handled ${Math.round(frozen.min)}-${Math.round(frozen.max)} ms after sending (healthy: <= ${Math.round(healthy.max)} ms); ` +
          `${linesDuringOutage} outage line(s); on healing: "${recovery.slice(0, 110)}..."`,
      });
      expect(frozen.max).toBeLessThan(CLAIM_TIMEOUT + 1000);
      expect(linesDuringOutage).toBe(1);
      expect(outageLines(from)[0]!.context).toBe('MessagingServer');
      expect(recoveryLines(from)).toHaveLength(1);
      expect(recovery).toContain('20 message(s) were handled without dedupe');
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await svc.close();
      redis.disconnect();
      await proxy.stop();
    }
  });

  it('Redis refusing connections, ioredis as configured by default: events wait at most claimTimeout (1 s), not for ioredis\' retries', async () => {
    const port = await freePort();
    const rejections = watchUnhandledRejections();
    // A user's client: ioredis defaults (offline queue, 20 retries per request, reconnect delays up to 2 s).
    const redis = new Redis({ host: '127.0.0.1', port });
    redis.on('error', () => undefined);
    const svc = await paymentsService({ store: new RedisDedupeStore(redis, { service: uniqueName('payments') }) });
    const healer = new FreezingTcpProxy(6379);
    try {
      const from = logger.lines.length;
      const refused = await emitAndWait(svc, 10, 25, 10 * 25 + 5000);
      const linesDuringOutage = outageLines(from).length;
      // Redis comes back on that port: ioredis reconnects on its own schedule, the next claim is answered.
      await healer.start(port);
      await waitFor(() => redis.status === 'ready', 15_000, 'ioredis to reconnect');
      await emitAndWait(svc, 1, 0, 5000);
      await waitFor(() => recoveryLines(from).length > 0, 5000, 'the recovery log line');
      await redis.ping(); // the last completion is answered before the client is closed
      const recovery = recoveryLines(from)[0]!.text;
      record({
        scenario: 'dedupe: Redis refusing, ioredis defaults (claimTimeout default 1 s)',
        calls: 11,
        succeeded: refused.numbers.filter((n) => runs.get(n) === 1).length + 1,
        typedFailures: 0,
        hung: 0,
        unhandledRejections: rejections.count(),
        notes:
          `handled ${Math.round(refused.min)}-${Math.round(refused.max)} ms after sending (the claim timeout; without it a claim waits ` +
          `for ioredis' 20 reconnection attempts); ${linesDuringOutage} outage line(s); on recovery: "${recovery.slice(0, 110)}..."`,
      });
      expect(refused.max).toBeLessThan(1000 + 1000);
      expect(linesDuringOutage).toBe(1);
      expect(recovery).toContain('10 message(s) were handled without dedupe');
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await svc.close();
      redis.disconnect();
      await healer.stop();
    }
  });

  it('Redis refusing connections, ioredis with enableOfflineQueue false: events are handled at once', async () => {
    const port = await freePort();
    const rejections = watchUnhandledRejections();
    const redis = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    const svc = await paymentsService({ store: new RedisDedupeStore(redis, { service: uniqueName('payments') }) });
    try {
      const from = logger.lines.length;
      const refused = await emitAndWait(svc, 10, 25, 10 * 25 + 5000);
      record({
        scenario: 'dedupe: Redis refusing, ioredis enableOfflineQueue: false',
        calls: 10,
        succeeded: refused.numbers.filter((n) => runs.get(n) === 1).length,
        typedFailures: 0,
        hung: 0,
        unhandledRejections: rejections.count(),
        notes: `handled ${Math.round(refused.min)}-${Math.round(refused.max)} ms after sending (the store fails at once); ${outageLines(from).length} outage line(s)`,
      });
      expect(refused.max).toBeLessThan(500);
      expect(outageLines(from)).toHaveLength(1);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await svc.close();
      redis.disconnect();
    }
  });
});

const BROADCAST = { evt: uniqueName('dedupe_faults.broadcast') };
const INSTANCE = Symbol('instance');
/** Runs of the broadcast handler: instance -> event numbers it handled. */
const broadcastRuns = new Map<string, number[]>();

/** The same class and method in every service: `BroadcastController.onEvent` is the handler's name everywhere. */
@Controller()
class BroadcastController {
  constructor(@Inject(INSTANCE) private readonly instance: string) {}

  @EventHandler(BROADCAST)
  onEvent(@Payload() data: { n: number }) {
    const list = broadcastRuns.get(this.instance) ?? [];
    list.push(data.n);
    broadcastRuns.set(this.instance, list);
  }
}

function instanceModule(instance: string): Type<unknown> {
  @Module({ controllers: [BroadcastController], providers: [{ provide: INSTANCE, useValue: instance }] })
  class InstanceModule {}
  return InstanceModule;
}

describeWithBroker('redis', 'two services sharing one Redis for dedupe', () => {
  it('each handles every broadcast event (no cross-service drops); instances of one service share their claims', async () => {
    const EVENTS = 200;
    const rejections = watchUnhandledRejections();
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    redis.on('error', () => undefined);
    const billing = uniqueName('billing');
    const shipping = uniqueName('shipping');
    const redisTransport: MessagingMicroserviceOptions = { transport: Transport.REDIS, options: { host: '127.0.0.1', port: 6379 } };
    const apps: INestMicroservice[] = [];
    let proxy: ClientProxy | undefined;
    let client: MessagingClient | undefined;
    try {
      apps.push(await startServer(instanceModule('billing-1'), redisTransport, { store: new RedisDedupeStore(redis, { service: billing }) }));
      apps.push(await startServer(instanceModule('billing-2'), redisTransport, { store: new RedisDedupeStore(redis, { service: billing }) }));
      apps.push(await startServer(instanceModule('shipping-1'), redisTransport, { store: new RedisDedupeStore(redis, { service: shipping }) }));
      const channel = JSON.stringify(BROADCAST);
      await waitFor(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] >= 3, 10_000, 'the three servers to subscribe');
      proxy = ClientProxyFactory.create({
        transport: Transport.REDIS,
        options: { host: '127.0.0.1', port: 6379, serializer: new MessagingClientSerializer(undefined, Transport.REDIS) },
      });
      client = MessagingClient.wrap(proxy, 'broadcaster');
      for (let n = 0; n < EVENTS; n++) await lastValueFrom(client.emit(BROADCAST, { n }));
      const handled = (...instances: string[]) => instances.flatMap((i) => broadcastRuns.get(i) ?? []);
      await waitFor(
        () => handled('shipping-1').length >= EVENTS && handled('billing-1', 'billing-2').length >= EVENTS,
        15_000,
        'every event to be handled by each service',
      );
      // A marker after all of them: once each service ran it, every earlier event was claimed.
      await lastValueFrom(client.emit(BROADCAST, { n: EVENTS }));
      await waitFor(
        () => handled('shipping-1').includes(EVENTS) && handled('billing-1', 'billing-2').includes(EVENTS),
        5000,
        'the marker',
      );
      await redis.ping(); // the completions are answered before the stores' client is closed
      const shippingRuns = handled('shipping-1').filter((n) => n < EVENTS);
      const billingRuns = handled('billing-1', 'billing-2').filter((n) => n < EVENTS);
      record({
        scenario: 'dedupe: two services, same Class.method, one Redis (Redis pub/sub)',
        calls: EVENTS,
        succeeded: Math.min(new Set(shippingRuns).size, new Set(billingRuns).size),
        typedFailures: 0,
        hung: EVENTS - Math.min(new Set(shippingRuns).size, new Set(billingRuns).size),
        unhandledRejections: rejections.count(),
        notes:
          `shipping (1 instance) ran ${shippingRuns.length} handlers for ${new Set(shippingRuns).size} events; billing (2 instances: ` +
          `${handled('billing-1').filter((n) => n < EVENTS).length} + ${handled('billing-2').filter((n) => n < EVENTS).length}) ` +
          `ran ${billingRuns.length} for ${new Set(billingRuns).size}`,
      });
      expect(new Set(shippingRuns).size).toBe(EVENTS);
      expect(shippingRuns).toHaveLength(EVENTS);
      expect(new Set(billingRuns).size).toBe(EVENTS);
      expect(billingRuns).toHaveLength(EVENTS);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await client?.close();
      proxy?.close();
      for (const app of apps) await app.close();
      redis.disconnect();
    }
  });
});

/** An instance of the RabbitMQ event-consuming service in its own process, killed mid-handler (support/rmq-dedupe-worker.ts). */
class Worker {
  readonly process: ChildProcess;
  readonly messages: Array<Record<string, unknown>> = [];

  constructor(env: Record<string, string>) {
    this.process = fork(join(__dirname, 'support/rmq-dedupe-worker.ts'), [], {
      execArgv: ['-r', 'ts-node/register'],
      env: {
        ...process.env,
        ...env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_SWC: 'true',
        TS_NODE_PROJECT: join(__dirname, '../../tsconfig.json'),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (m: Record<string, unknown>) => this.messages.push(m));
  }

  async next(match: (m: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    await waitFor(() => this.messages.some(match) || this.messages.some((m) => m.error !== undefined), timeoutMs, what);
    const failed = this.messages.find((m) => m.error !== undefined);
    if (failed) throw new Error(`worker failed: ${String(failed.error)}`);
    return this.messages.find(match)!;
  }

  /** Loading takes several seconds of CPU (ts-node, Nest 12's ESM modules); minutes on a machine loaded by other work. */
  ready(): Promise<unknown> {
    return this.next((m) => m.ready === true, 240_000, 'the worker to load');
  }

  async listen(queue: string): Promise<void> {
    this.process.send({ listen: queue });
    await this.next((m) => m.listening === queue, 60_000, `the worker to consume ${queue}`);
  }

  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGKILL');
    await exited;
  }
}

const RMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';
const WORKER_QUEUE_OPTIONS = { durable: false, autoDelete: false, expires: 120_000 };
/** The lease of the instance that takes over, and of the one killed in the second scenario. */
const LEASE = 1500;
/**
 * The lease of the instance killed in the first scenario: long enough that the
 * broker's redelivery to an instance already consuming (well under a second
 * after the kill) surely comes while the lease is held, whatever the load.
 */
const LONG_LEASE = 5000;

/** Runs of the instance that takes over (in this process), by message id. */
const takeoverRuns: string[] = [];

/**
 * The takeover instance's handler: the same class and method as the worker's
 * (`JobController.job`), so that both claim the same keys.
 */
@Controller()
class JobController {
  @EventHandler({ evt: 'job' })
  job() {
    takeoverRuns.push(getMessageContext()?.message?.messageId ?? '?');
  }
}

@Module({ controllers: [JobController] })
class JobModule {}

describeWithBroker('rabbitmq', 'a crash mid-handler, then the broker\'s redelivery, with a Redis dedupe store', () => {
  const service = uniqueName('fulfilment');
  let hangs: Worker[] = [];
  let redis: Redis;

  beforeAll(async () => {
    // Both load at once: the instances that die mid-handler (the one that takes over runs in this process).
    hangs = [
      new Worker({ WORKER_SERVICE: service, WORKER_LEASE: String(LONG_LEASE), WORKER_HANG: '1' }),
      new Worker({ WORKER_SERVICE: service, WORKER_LEASE: String(LEASE), WORKER_HANG: '1' }),
    ];
    redis = new Redis({ host: '127.0.0.1', port: 6379 });
    redis.on('error', () => undefined);
    await Promise.all(hangs.map((w) => w.ready()));
  }, 300_000);
  afterAll(async () => {
    for (const w of hangs) await w.kill();
    redis?.disconnect();
  });

  /** Instance B of the service, consuming `queue` in this process. */
  async function takeover(queue: string): Promise<INestMicroservice> {
    const strategy = messagingMicroservice(
      { transport: Transport.RMQ, options: { urls: [RMQ_URL], queue, queueOptions: WORKER_QUEUE_OPTIONS } },
      {
        rmq: { prefetch: 1, deadLetterQueue: false },
        handlers: { dedupe: { store: new RedisDedupeStore(redis, { service }), lease: LEASE, window: 60_000 } },
      },
    );
    const app = await NestFactory.createMicroservice(JobModule, { ...strategy, logger });
    await app.listen();
    return app;
  }

  /** Publishes event `n` with message id `messageId` on `queue` (a second call with the same id is a duplicate delivery). */
  async function publish(queue: string, n: number, messageId: string): Promise<void> {
    const proxy = ClientProxyFactory.create({
      transport: Transport.RMQ,
      options: { urls: [RMQ_URL], queue, queueOptions: WORKER_QUEUE_OPTIONS, serializer: new MessagingClientSerializer(undefined, Transport.RMQ) },
    });
    try {
      await lastValueFrom(proxy.emit({ evt: 'job' }, new OutgoingMessage({ n }, encodeMetadata({ messageId, correlationId: messageId, attempt: 1, app: {} }))));
    } finally {
      await proxy.close();
    }
  }

  const handledByB = (messageId: string) => takeoverRuns.filter((id) => id === messageId).length;
  const droppedByB = (messageId: string) => logger.containing(`dropped a duplicate of event message ${messageId}`).length;

  /**
   * Instance A runs the event's handler and is SIGKILLed in it; the broker
   * redelivers the event to instance B, which must handle it once (after A's
   * lease), and then drop a duplicate delivery of it within the window.
   */
  async function crashAndRedeliver(scenario: string, a: Worker, lease: number, bListensBeforeTheKill: boolean): Promise<void> {
    const queue = uniqueName('dedupe_crash');
    const messageId = newId();
    const rejections = watchUnhandledRejections();
    let b: INestMicroservice | undefined;
    try {
      await a.listen(queue);
      await publish(queue, 1, messageId);
      await a.next((m) => m.started === 1 && m.messageId === messageId, 30_000, 'A to start the handler');
      const startedAt = now();
      if (bListensBeforeTheKill) b = await takeover(queue);
      const killedAt = now();
      await a.kill();
      if (!bListensBeforeTheKill) {
        // B starts consuming once A's lease has run out.
        await delay(Math.max(0, startedAt + lease + 200 - now()));
        b = await takeover(queue);
      }
      // B either runs the redelivered event or drops it as a duplicate (A's lease still held).
      await waitFor(() => handledByB(messageId) > 0 || droppedByB(messageId) > 0, lease + 15_000, 'B to receive the redelivery');
      const firstOutcome = handledByB(messageId) > 0 ? 'handled' : 'dropped as a duplicate (and acknowledged)';
      const receivedAfter = Math.round(now() - killedAt);
      // A duplicate delivery within the window.
      await publish(queue, 1, messageId);
      await waitFor(() => droppedByB(messageId) + handledByB(messageId) >= 2, 15_000, 'B to receive the duplicate');
      const handled = handledByB(messageId);
      const dropped = droppedByB(messageId);
      record({
        scenario,
        calls: 2,
        succeeded: handled,
        typedFailures: 0,
        hung: handled === 0 ? 1 : 0,
        unhandledRejections: rejections.count(),
        notes:
          `A's lease ${lease} ms; A killed ${Math.round(killedAt - startedAt)} ms after its handler started; the redelivery reached B ~${receivedAfter} ms ` +
          `after the kill and was ${firstOutcome}; then a duplicate delivery: B ran the handler ${handled}x in all, dropped ${dropped} delivery(ies)`,
      });
      expect(firstOutcome).toBe('handled');
      expect(handled).toBe(1);
      expect(dropped).toBe(1);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await b?.close();
    }
  }

  it('another instance already consuming gets the redelivery at once: it is handled exactly once (after the lease), a later duplicate dropped', async () => {
    await crashAndRedeliver('dedupe: SIGKILL mid-handler, redelivered at once to a running instance (RabbitMQ)', hangs[0]!, LONG_LEASE, true);
  });

  it('an instance that starts consuming after the lease gets the redelivery: handled exactly once, a later duplicate dropped', async () => {
    await crashAndRedeliver('dedupe: SIGKILL mid-handler, a new instance consumes after the lease (RabbitMQ)', hangs[1]!, LEASE, false);
  });
});
