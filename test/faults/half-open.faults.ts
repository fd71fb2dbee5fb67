import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Test } from '@nestjs/testing';
import { Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { Subscription, timeout } from 'rxjs';
import { getMessagingClientToken, MessageHandler, MessagingClient, MessagingError, MessagingModule, type ClientResilienceOptions } from '../../src';
import { FreezingTcpProxy } from '../support/freezing-proxy';
import { Controller, plainTcpClient, startTcpServer } from '../support/nest';
import { CallTally, MB, record, watchUnhandledRejections } from './support/summary';
import { type MessagingClientBase } from '../../src/extend';

/**
 * Issue 11, item 2: a connection that dies without closing (no FIN, no RST)
 * is replaced, and a peer that never reads cannot make the client buffer
 * without bound.
 */

@Controller()
class EchoController {
  @MessageHandler({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }
}

const now = () => performance.now();
/** Warm-up calls: the first ones pay for connecting and JIT on a busy machine; they are not measured. */
const WARM_UP = { timeout: 10_000 };
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  started: number;
  ended: number;
  code?: string;
}

async function tcpClient(port: number, timeoutMs: number, resilience?: ClientResilienceOptions, tcp?: MessagingClientBase['tcp']) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRoot({
        clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, policy: { timeout: timeoutMs }, resilience, tcp }],
      }),
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')) };
}

/** One call, its outcome noted (times relative to `t0()`), counted in `tally`. */
function call(client: MessagingClient, tally: CallTally, outcomes: Outcome[], n: number, hungAfter: number): Promise<void> {
  return tally.run(async () => {
    const started = now();
    try {
      const reply = await client.request<{ n: number }>({ cmd: 'echo' }, { n });
      if (reply.n !== n) throw new Error(`reply ${reply.n} for call ${n}`);
      outcomes.push({ started, ended: now() });
    } catch (err) {
      outcomes.push({ started, ended: now(), code: err instanceof MessagingError ? err.code : 'UNTYPED' });
      throw err;
    }
  }, hungAfter);
}

function codes(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.code) counts.set(o.code, (counts.get(o.code) ?? 0) + 1);
  return [...counts].map(([c, k]) => `${c} ${k}`).join(', ') || 'none';
}

/**
 * A healthy library server behind a proxy; a call starts every `INTERVAL` ms
 * (a service under steady load). The proxy freezes the connection: the calls
 * on it time out, the watchdog (and, with a breaker, the breaker's opening)
 * replaces it, and calls succeed again.
 */
async function frozenUnderLoad(scenario: string, resilience?: ClientResilienceOptions): Promise<void> {
  const BUDGET = 1000;
  const INTERVAL = 20;
  const server = await startTcpServer([EchoController]);
  const proxy = new FreezingTcpProxy(server.port);
  const rejections = watchUnhandledRejections();
  const port = await proxy.start();
  const { moduleRef, client } = await tcpClient(port, BUDGET, resilience);
  try {
    for (let i = 0; i < 20; i++) await client.request({ cmd: 'echo' }, { n: i }, WARM_UP);
    expect(proxy.accepted).toBe(1);
    const tally = new CallTally();
    const outcomes: Outcome[] = [];
    const calls: Promise<void>[] = [];
    let n = 0;
    // 0.5 s of traffic before the freeze, 3 budgets after it.
    const freezeAt = now() + 500;
    let frozeAt = Infinity;
    while (now() < freezeAt + 3 * BUDGET) {
      if (frozeAt === Infinity && now() >= freezeAt) {
        proxy.freeze();
        frozeAt = now();
      }
      calls.push(call(client, tally, outcomes, n++, BUDGET + 500));
      await delay(INTERVAL);
    }
    await Promise.all(calls);
    const after = outcomes.filter((o) => o.started >= frozeAt);
    const firstSuccess = Math.min(...after.filter((o) => !o.code).map((o) => o.ended));
    const recoveredIn = firstSuccess - frozeAt;
    const late = after.filter((o) => o.started >= frozeAt + 2 * BUDGET);
    const lateFailures = late.filter((o) => o.code);
    record({
      scenario,
      calls: tally.calls,
      succeeded: tally.succeeded,
      typedFailures: tally.typedFailures,
      hung: tally.hung,
      unhandledRejections: rejections.count(),
      notes:
        `budget ${BUDGET} ms, a call every ${INTERVAL} ms; first success ${Math.round(recoveredIn)} ms after the freeze ` +
        `(bound ${2 * BUDGET}); failures ${codes(outcomes)}; ${lateFailures.length}/${late.length} calls started 2 budgets ` +
        `after the freeze failed; connections ${proxy.accepted}; circuit at the end: ${client.resilience?.snapshot().circuit ?? 'none'}`,
    });
    expect(tally.untyped).toEqual([]);
    expect(tally.hung).toBe(0);
    expect(rejections.count()).toBe(0);
    expect(recoveredIn).toBeLessThanOrEqual(2 * BUDGET);
    expect(lateFailures).toEqual([]);
    expect(late.length).toBeGreaterThan(10);
    expect(proxy.accepted).toBeGreaterThanOrEqual(2);
    if (client.resilience) expect(client.resilience.snapshot().circuit).toBe('closed');
  } finally {
    rejections.stop();
    await moduleRef.close();
    await proxy.stop();
    await server.close();
  }
}

describe('a frozen (half-open) TCP connection', () => {
  it('is replaced under steady load: calls succeed again within two budgets', async () => {
    await frozenUnderLoad('half-open connection under load, no breaker');
  });

  it('is replaced with a breaker on: the trial goes over a fresh connection, the circuit closes within two budgets', async () => {
    await frozenUnderLoad('half-open connection under load, breaker (3 failures, halfOpenAfter 300 ms)', {
      circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: 300 },
    });
  });

  it('costs a caller that calls one at a time exactly deadAfterTimeouts (2) calls: the next call dials a new connection', async () => {
    const BUDGET = 500;
    const server = await startTcpServer([EchoController]);
    const proxy = new FreezingTcpProxy(server.port);
    const rejections = watchUnhandledRejections();
    const port = await proxy.start();
    const { moduleRef, client } = await tcpClient(port, BUDGET);
    try {
      for (let i = 0; i < 20; i++) await client.request({ cmd: 'echo' }, { n: i }, WARM_UP);
      const tally = new CallTally();
      const outcomes: Outcome[] = [];
      let n = 0;
      proxy.freeze();
      const frozeAt = now();
      // Calls one after another until 10 have succeeded after the freeze (or 20 calls).
      while (outcomes.filter((o) => !o.code).length < 10 && n < 20) await call(client, tally, outcomes, n++, BUDGET + 500);
      const firstSuccess = outcomes.find((o) => !o.code);
      record({
        scenario: 'half-open connection, one caller at a time',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes:
          `budget ${BUDGET} ms; failures ${codes(outcomes)}; first success ${Math.round((firstSuccess?.ended ?? NaN) - frozeAt)} ms ` +
          `after the freeze (2 budgets + a new connection); connections ${proxy.accepted}`,
      });
      expect(tally.untyped).toEqual([]);
      expect(tally.hung).toBe(0);
      expect(outcomes.slice(0, 2).map((o) => o.code)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
      expect(outcomes.slice(2).filter((o) => o.code)).toEqual([]);
      expect(tally.succeeded).toBe(10);
      expect(proxy.accepted).toBe(2);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await moduleRef.close();
      await proxy.stop();
      await server.close();
    }
  });
});

/** A TCP server that accepts connections and never reads from them. */
async function neverReads(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    s.pause();
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The net.Socket of a ClientTCP now, if connected. */
function socketOf(proxy: ClientProxy): Socket | undefined {
  try {
    return proxy.unwrap<Socket>();
  } catch {
    return undefined;
  }
}

/** What every client socket seen so far still holds in its write buffer (destroyed ones hold nothing). */
class WriteBuffers {
  private readonly sockets = new Set<Socket>();
  max = 0;

  sample(proxy: ClientProxy): number {
    const s = socketOf(proxy);
    if (s) this.sockets.add(s);
    let sum = 0;
    for (const socket of this.sockets) {
      if (socket.destroyed) this.sockets.delete(socket);
      else sum += socket.writableLength;
    }
    this.max = Math.max(this.max, sum);
    return sum;
  }
}

describe('a peer that never reads', () => {
  // 1,200 calls of 16 KB (~19 MB), 8 every 8 ms (~16 MB/s at most), 300 ms budgets.
  const BUDGET = 300;
  const PAYLOAD = 'x'.repeat(16 * 1024);
  const CALLS = 1200;
  const PER_TICK = 8;
  const TICK = 8;
  const RATE = (PER_TICK * PAYLOAD.length) / TICK; // bytes per ms, at most
  /**
   * The watchdog drops a connection at its second timeout, about one budget
   * after its first unanswered request was written: a connection is handed at
   * most what the client writes in that time (16 MB/s x 300 ms ~ 4.7 MB, part
   * of it taken by the kernel's socket buffers). The bound allows one budget
   * more for timers that fire late on a busy machine: ~9.4 MB. Plain Nest keeps
   * all ~19 MB but what the kernel took (its own limit is 128 MB).
   */
  const BOUND = 2 * BUDGET * RATE;

  async function load(send: (n: number) => void, sample: () => void): Promise<void> {
    for (let n = 0; n < CALLS; ) {
      for (let i = 0; i < PER_TICK && n < CALLS; i++) send(n++);
      sample();
      await delay(TICK);
      sample();
    }
  }

  it('leaves the client holding a bounded write buffer (plain Nest holds everything)', async () => {
    const peer = await neverReads();
    const rejections = watchUnhandledRejections();
    const { moduleRef, client } = await tcpClient(peer.port, BUDGET);
    const unwatched = await tcpClient(peer.port, BUDGET, undefined, { deadAfterTimeouts: false });
    const plain = plainTcpClient(peer.port);
    const tally = new CallTally();
    const ours = new WriteBuffers();
    const oursUnwatched = new WriteBuffers();
    const theirs = new WriteBuffers();
    const subs = new Subscription();
    try {
      const calls: Promise<void>[] = [];
      const started = now();
      await load(
        (n) => calls.push(tally.run(() => client.request({ cmd: 'echo' }, { n, s: PAYLOAD }), BUDGET + 1000)),
        () => ours.sample(client.proxy),
      );
      const elapsed = now() - started;
      await Promise.all(calls);
      ours.sample(client.proxy);
      const ourConnections = peer.accepted();

      // The control: the same client with the watchdog off keeps everything on one connection.
      const more: Promise<unknown>[] = [];
      await load(
        (n) => more.push(unwatched.client.request({ cmd: 'echo' }, { n, s: PAYLOAD }).catch(() => undefined)),
        () => oursUnwatched.sample(unwatched.client.proxy),
      );
      await Promise.all(more);

      // The same traffic through plain Nest's ClientTCP, with rxjs' timeout as Nest's docs advise.
      await load(
        (n) => subs.add(plain.send({ cmd: 'echo' }, { n, s: PAYLOAD }).pipe(timeout(BUDGET)).subscribe({ error: () => undefined })),
        () => theirs.sample(plain),
      );
      const written = CALLS * PAYLOAD.length;
      record({
        scenario: 'peer that never reads (1,200 calls of 16 KB, 300 ms budget)',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes:
          `${tally.codesText()}; client write buffer at most ${(ours.max / MB).toFixed(1)} MB (bound ${(BOUND / MB).toFixed(1)}) ` +
          `over ${ourConnections} connections, ${(written / MB).toFixed(0)} MB sent in ${(elapsed / 1000).toFixed(1)} s; ` +
          `same traffic with tcp.deadAfterTimeouts false: ${(oursUnwatched.max / MB).toFixed(1)} MB; ` +
          `plain Nest ClientTCP: ${(theirs.max / MB).toFixed(1)} MB held on 1 connection`,
      });
      expect(tally.untyped).toEqual([]);
      expect(tally.hung).toBe(0);
      expect(tally.succeeded).toBe(0);
      expect(rejections.count()).toBe(0);
      expect(ours.max).toBeLessThan(BOUND);
      // What the bound is worth: plain Nest keeps what it could not send (all but the kernel's share).
      expect(oursUnwatched.max).toBeGreaterThan(written / 2);
      expect(theirs.max).toBeGreaterThan(written / 2);
    } finally {
      subs.unsubscribe();
      rejections.stop();
      await moduleRef.close();
      await unwatched.moduleRef.close();
      plain.close();
      await peer.close();
    }
  });
});
