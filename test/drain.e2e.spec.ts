import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  getMessagingClientToken,
  MessagingClient,
  MessagingConnectionError,
  MessagingError,
  MessagingErrorCode,
  MessagingModule,
  MessagingRemoteError,
  type MessagingMicroserviceOptions,
} from '../src';
import { BROKER_PORTS, describeWithBroker } from './support/brokers';
import { nestMajor, waitFor } from './support/nest';
import { BROKER_OF, endpoint, nestOptions, startServer, testServerOptions, TRANSPORTS, uniqueName } from './support/transports';
import { watchUnhandledRejections } from './faults/support/summary';
import { DelayProxy } from './drain/delay-proxy';
import { drainHandlers, drainNestOptions, drainPattern, type DrainEndpoint, type DrainReport } from './drain/drain-app';

/**
 * Issue 11, item 8: graceful drain on every transport, through a real SIGTERM.
 * The instance under test (A) runs in its own process (test/drain/drain-server.ts)
 * with `gracePeriod` and `app.enableShutdownHooks()`; a second instance (B) runs
 * here, on the same queue (RabbitMQ), queue group (NATS), shared subscription
 * (MQTT) or channel (Redis). TCP has no second instance: new work is refused.
 */

const root = join(__dirname, '..');
/** How long a child may take to load (ts-node + Nest on a busy 2-core machine). */
const CHILD_START = 60_000;

type Report = DrainReport | { ready: true } | { closing: true } | { closed: true };

/** Instance A: a library server in a child process. */
class DrainChild {
  readonly reports: Report[] = [];
  /** What A printed (stdout and stderr). */
  output = '';
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(ep: DrainEndpoint, gracePeriod: number) {
    this.process = fork(join(__dirname, 'drain/drain-server.ts'), [], {
      execArgv: ['-r', join(root, 'scripts/register.cjs')],
      env: { ...process.env, MESSAGING_NEST_MAJOR: String(nestMajor), DRAIN_ENDPOINT: JSON.stringify(ep), DRAIN_GRACE: String(gracePeriod) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.process.on('message', (m: Report) => this.reports.push(m));
    this.process.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.process.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Waits for a report that `match`es; fails with the child's output. */
  async until(match: (r: Report) => boolean, timeoutMs: number, what: string): Promise<void> {
    try {
      await waitFor(() => this.reports.some(match) || this.process.exitCode !== null || this.process.signalCode !== null, timeoutMs, what);
    } catch (err) {
      throw new Error(`${(err as Error).message}; A's output:\n${this.output}`);
    }
    if (!this.reports.some(match)) throw new Error(`A exited before ${what}; its output:\n${this.output}`);
  }

  count(match: (r: Report) => boolean): number {
    return this.reports.filter(match).length;
  }

  /** Resolves when A has exited, or fails after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`A did not exit within ${timeoutMs} ms; its output:\n${this.output}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }
}

const isWho = (r: Report): r is { who: number; by: string } => 'who' in r;

/** A caller with a MessagingClient on `ep`. */
async function callerOf(ep: DrainEndpoint): Promise<{ app: INestApplicationContext; client: MessagingClient }> {
  const app = await Test.createTestingModule({
    imports: [MessagingModule.forRoot({ clients: [{ name: 'drain', ...nestOptions(ep), policy: { timeout: 30_000 } }] })],
  }).compile();
  await app.init();
  return { app, client: app.get<MessagingClient>(getMessagingClientToken('drain')) };
}

/** Instance B, here: the same handlers on the same queue / group / subscription. */
async function startB(ep: DrainEndpoint, reports: DrainReport[], held: Promise<void>): Promise<INestMicroservice> {
  return startServer(ep, [drainHandlers(ep, { name: 'B', held, report: (r) => reports.push(r) })], {
    nest: drainNestOptions(ep),
    server: testServerOptions(ep),
  });
}

/** Calls `who` until B has handled one: B takes its share of the messages. */
async function untilBTakesMessages(client: MessagingClient, ep: DrainEndpoint, bReports: DrainReport[]): Promise<void> {
  let n = 1000;
  await waitFor(
    async () => {
      await client.request(drainPattern(ep, 'who'), { n: n++ }, { timeout: 5000 });
      return bReports.some((r) => 'who' in r);
    },
    20_000,
    'B to take messages',
  );
}

const SLOW_CALLS = 3;
/** Budget of the slow calls: they are held while B starts and the calls after the drain run. */
const SLOW_BUDGET = 15_000;
/** `who` calls after A began to drain; A may still take the first ones (its unsubscribe is on its way), not the rest. */
const AFTER_DRAIN = 30;
const A_MAY_TAKE = 10;

for (const transport of TRANSPORTS) {
  describeWithBroker(BROKER_OF[transport], `graceful drain on SIGTERM over ${transport} (Nest ${nestMajor})`, () => {
    it(
      transport === 'tcp'
        ? 'in-flight handlers finish and their callers get replies; new requests are refused with a retryable UNAVAILABLE, new connections too'
        : 'in-flight handlers finish and their callers get replies; once A stops taking messages, the other instance gets them all',
      async () => {
        const ep: DrainEndpoint = { ...(await endpoint(transport)), ns: uniqueName(`drain_${transport}`) };
        const a = new DrainChild(ep, 20_000);
        const bReports: DrainReport[] = [];
        let releaseB!: () => void;
        const heldB = new Promise<void>((r) => (releaseB = r));
        let b: INestMicroservice | undefined;
        let caller: Awaited<ReturnType<typeof callerOf>> | undefined;
        try {
          await a.until((r) => 'ready' in r, CHILD_START, 'A to listen');
          caller = await callerOf(ep);
          const client = caller.client;
          const slow = Array.from({ length: SLOW_CALLS }, (_, n) =>
            client.request<{ n: number; by: string }>(drainPattern(ep, 'slow'), { n }, { timeout: SLOW_BUDGET }).then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            ),
          );
          await a.until(() => a.count((r) => 'started' in r && r.started === 'slow') === SLOW_CALLS, 20_000, 'the slow handlers to start in A');
          if (transport !== 'tcp') {
            b = await startB(ep, bReports, heldB);
            await untilBTakesMessages(client, ep, bReports);
          }

          a.process.kill('SIGTERM');
          await a.until((r) => 'closing' in r, 20_000, 'A to begin its drain');

          if (transport === 'tcp') {
            // on the connection the caller has: refused, retryable
            const refused = await client.request(drainPattern(ep, 'who'), { n: 0 }, { timeout: 5000 }).catch((e: unknown) => e);
            expect(refused).toBeInstanceOf(MessagingRemoteError);
            expect(refused).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
            // a new connection: refused (the server stopped accepting)
            const fresh = await callerOf(ep);
            try {
              const err = await fresh.client.request(drainPattern(ep, 'who'), { n: 1 }, { timeout: 5000 }).catch((e: unknown) => e);
              expect(err).toBeInstanceOf(MessagingConnectionError);
            } finally {
              await fresh.app.close();
            }
            expect(a.count(isWho)).toBe(0);
          } else {
            const answers: Array<{ n: number; by?: string; lost?: string }> = [];
            for (let n = 0; n < AFTER_DRAIN; n++) {
              answers.push(
                await client.request<{ n: number; by: string }>(drainPattern(ep, 'who'), { n }, { timeout: 5000 }).catch((e: unknown) => ({
                  n,
                  lost: (e as MessagingError).code ?? String(e),
                })),
              );
            }
            // every call answered (by A while its unsubscribe is on its way, or by B), none lost
            expect({ lost: answers.filter((x) => x.lost !== undefined) }).toEqual({ lost: [] });
            // A is still draining (its slow handlers are held): the last calls all went to B, none to A
            expect(answers.slice(A_MAY_TAKE).every((x) => x.by === 'B')).toBe(true);
            const aTook = a.reports.filter(isWho).filter((r) => r.who < 1000).map((r) => r.who);
            expect(aTook.filter((n) => n >= A_MAY_TAKE)).toEqual([]);
            expect(bReports.filter((r): r is { who: number; by: string } => 'who' in r && r.who >= A_MAY_TAKE && r.who < 1000)).toHaveLength(
              AFTER_DRAIN - A_MAY_TAKE,
            );
          }
          expect(a.process.exitCode).toBeNull(); // still draining

          a.process.send({ release: true });
          const results = await Promise.all(slow);
          const exit = await a.exit(20_000);
          // One assertion for both: the in-flight handlers' callers got their replies, and A ended by the
          // SIGTERM Nest raises again once it has closed (not by a crash).
          // (A's output is shown when it did not end by that signal.)
          expect({ replies: results, exit: exit.signal ?? `exit code ${exit.code}`, output: exit.signal === 'SIGTERM' ? '' : a.output }).toEqual({
            replies: Array.from({ length: SLOW_CALLS }, (_, n) => ({ value: { n, by: 'A' } })),
            exit: 'SIGTERM',
            output: '',
          });

          if (transport === 'rmq') {
            // A acknowledged the deliveries it finished: none comes back to B (a requeued one would come before this reply)
            expect(await client.request(drainPattern(ep, 'who'), { n: 2000 }, { timeout: 5000 })).toEqual({ n: 2000, by: 'B' });
            expect(bReports.filter((r) => 'started' in r)).toEqual([]);
          }
        } finally {
          releaseB();
          await a.kill();
          await caller?.app.close();
          await b?.close();
        }
      },
      120_000,
    );

    if (transport === 'rmq') {
      it('a delivery whose handler outlives the grace period is redelivered to the other instance, which answers the caller', async () => {
        const ep: DrainEndpoint = { ...(await endpoint(transport)), ns: uniqueName(`drain_${transport}`) };
        const grace = 500;
        const a = new DrainChild(ep, grace);
        const bReports: DrainReport[] = [];
        let b: INestMicroservice | undefined;
        let caller: Awaited<ReturnType<typeof callerOf>> | undefined;
        try {
          await a.until((r) => 'ready' in r, CHILD_START, 'A to listen');
          caller = await callerOf(ep);
          const client = caller.client;
          const pending = client.request(drainPattern(ep, 'hang'), { n: 1 }).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          await a.until((r) => 'started' in r && r.started === 'hang', 20_000, 'the handler to start in A');
          b = await startB(ep, bReports, Promise.resolve());
          await untilBTakesMessages(client, ep, bReports);

          a.process.kill('SIGTERM');
          await a.until((r) => 'aborted' in r, 20_000, "the handler's signal to be aborted after the grace period");
          expect(a.reports.find((r) => 'aborted' in r)).toMatchObject({ aborted: 'hang', n: 1, by: 'A', reason: expect.stringContaining('shut down') });
          const exit = await a.exit(20_000);
          expect(exit.signal ?? `exit code ${exit.code}`).toBe('SIGTERM');
          expect(await pending).toEqual({ value: { n: 1, by: 'B', redelivered: true } });
          expect(a.count((r) => 'started' in r && r.started === 'hang')).toBe(1);
        } finally {
          await a.kill();
          await caller?.app.close();
          await b?.close();
        }
      }, 120_000);
    }
  });
}

for (const transport of TRANSPORTS.filter((t) => t !== 'tcp')) {
  describeWithBroker(BROKER_OF[transport], `grace period over ${transport} (Nest ${nestMajor})`, () => {
    it("aborts the signal of a handler still running when the grace period ends and closes; the call ends typed; nothing is sent on the closed connection afterwards", async () => {
      const ep: DrainEndpoint = { ...(await endpoint(transport)), ns: uniqueName(`grace_${transport}`) };
      const reports: DrainReport[] = [];
      const grace = 300;
      const budget = 1500;
      const server = await startServer(ep, [drainHandlers(ep, { name: 'A', held: Promise.resolve(), report: (r) => reports.push(r) })], {
        nest: drainNestOptions(ep),
        server: { ...testServerOptions(ep), gracePeriod: grace },
      });
      const caller = await callerOf(ep);
      const rejections = watchUnhandledRejections();
      let closed = false;
      try {
        const pending = caller.client.request(drainPattern(ep, 'hang'), { n: 7 }, { timeout: budget }).catch((e: unknown) => e);
        await waitFor(() => reports.some((r) => 'started' in r), 10_000, 'the handler to start');
        const started = performance.now();
        await server.close();
        closed = true;
        expect(performance.now() - started).toBeGreaterThanOrEqual(grace - 20);
        expect(reports.find((r) => 'aborted' in r)).toMatchObject({ aborted: 'hang', n: 7, reason: expect.stringContaining('shut down') });
        const err = await pending;
        expect(err).toBeInstanceOf(MessagingError);
        // RabbitMQ: the broker keeps the delivery for another instance; the others are at most once: the budget ends the call
        expect((err as MessagingError).code).toBe(MessagingErrorCode.DEADLINE_EXCEEDED);
        // The abandoned request's deadline (its budget, counted from its read) passes about now. The server
        // closed: it must not answer it any more (a publish on a closed connection rejects).
        await waitFor(() => rejections.count() > 0, 1000).catch(() => undefined);
        expect({ unhandledRejectionsAfterClose: rejections.count() }).toEqual({ unhandledRejectionsAfterClose: 0 });
      } finally {
        rejections.stop();
        await caller.app.close();
        if (!closed) await server.close();
      }
    }, 30_000);
  });
}

/** Nest's options of `ep`, with the broker reached through a proxy on `port`. */
function throughProxy(ep: DrainEndpoint, port: number): MessagingMicroserviceOptions {
  const direct = drainNestOptions(ep) as MessagingMicroserviceOptions & { options: Record<string, unknown> };
  const broker =
    ep.transport === 'nats' ? { servers: [`nats://127.0.0.1:${port}`] } : ep.transport === 'mqtt' ? { url: `mqtt://127.0.0.1:${port}` } : { port };
  return { ...direct, options: { ...direct.options, ...broker } } as MessagingMicroserviceOptions;
}

/**
 * The broker hands messages to the instance until its unsubscribe arrives: what
 * it handed meanwhile must still be answered. (RabbitMQ is left out: the SIGTERM
 * test above covers deliveries made before the consumer's cancel.)
 */
for (const transport of ['redis', 'nats', 'mqtt'] as const) {
  describeWithBroker(BROKER_OF[transport], `draining while the unsubscribe is on its way over ${transport} (Nest ${nestMajor})`, () => {
    it('requests the broker routed to the draining instance before its unsubscribe arrived are still answered', async () => {
      const ep: DrainEndpoint = { ...(await endpoint(transport)), ns: uniqueName(`drain_${transport}_race`) };
      const proxy = new DelayProxy(BROKER_PORTS[BROKER_OF[transport]!]);
      const proxyPort = await proxy.start();
      const aReports: DrainReport[] = [];
      const bReports: DrainReport[] = [];
      let releaseA!: () => void;
      const heldA = new Promise<void>((r) => (releaseA = r));
      const viaProxy = throughProxy(ep, proxyPort);
      let a: INestMicroservice | undefined;
      let b: INestMicroservice | undefined;
      let caller: Awaited<ReturnType<typeof callerOf>> | undefined;
      let closing: Promise<void> | undefined;
      try {
        a = await startServer(ep, [drainHandlers(ep, { name: 'A', held: heldA, report: (r) => aReports.push(r) })], {
          nest: viaProxy,
          server: { gracePeriod: 20_000 },
        });
        caller = await callerOf(ep);
        const client = caller.client;
        // A stays up, draining, while this slow call is held
        const slow = client.request(drainPattern(ep, 'slow'), { n: 0 }, { timeout: 20_000 }).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        await waitFor(() => aReports.some((r) => 'started' in r), 10_000, 'the slow handler to start in A');
        b = await startB(ep, bReports, Promise.resolve());
        await untilBTakesMessages(client, ep, bReports);

        proxy.delayUpstream(500); // what A sends from now on (its unsubscribe) reaches the broker 500 ms later
        closing = a.close();
        const calls = await Promise.all(
          Array.from({ length: 20 }, (_, n) =>
            client.request<{ by: string }>(drainPattern(ep, 'who'), { n }, { timeout: 3000 }).then(
              (reply) => ({ n, by: reply.by }),
              (e: unknown) => ({ n, lost: (e as MessagingError).code ?? String(e) }),
            ),
          ),
        );
        // a lost call is one the broker gave A (still subscribed, as far as it knew) and A dropped
        expect({ lost: calls.filter((c) => 'lost' in c) }).toEqual({ lost: [] });
        // and the window was real: A did take some of them while its unsubscribe was on its way (on Redis,
        // where every subscriber gets every message, A's copies may arrive after B's replies: poll)
        await waitFor(() => aReports.some((r) => 'who' in r && r.who < 1000), 5000, 'A to take some of the calls made while its unsubscribe was on its way');
        releaseA();
        expect(await slow).toEqual({ value: { n: 0, by: 'A' } });
        await closing;
        closing = undefined;
      } finally {
        releaseA();
        await closing?.catch(() => undefined);
        await caller?.app.close();
        await b?.close();
        await proxy.stop();
      }
    }, 60_000);
  });
}
