import { Test } from '@nestjs/testing';
import { Transport } from '@nestjs/microservices';
import { getMessagingClientToken, MessagingClient, MessagingModule, type CallPolicy } from '../../src';
import { pendingRequests } from '../support/nest';
import { ServerChild } from './support/server-child';
import { CallTally, MB, record, settledHeap, watchUnhandledRejections } from './support/summary';

const CALLS = 10_000;
const BATCH = 50; // calls started per 10 ms tick: ~5,000 calls/s
const KILL_AT = 3_000;
/** Heap growth allowed after the load and a GC (the client's heap, in this process). */
const HEAP_BOUND = 32 * MB;

async function client(port: number, policy: CallPolicy) {
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, policy }] })],
  }).compile();
  await moduleRef.init();
  return { ctx: moduleRef, client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')) };
}

/**
 * 10,000 calls at ~5,000/s; after 3,000 have started, the server process is
 * SIGKILLed and a fresh one (already loaded) listens on the same port.
 */
async function killDuringLoad(scenario: string, policy: CallPolicy & { timeout: number }) {
  const first = new ServerChild();
  const second = new ServerChild();
  const rejections = watchUnhandledRejections();
  try {
    // Both processes load first (several seconds of CPU each), so the load runs on a quiet machine.
    await second.whenReady();
    const port = await first.listen(0);
    const { ctx, client: c } = await client(port, policy);
    try {
      for (let i = 0; i < 200; i++) await c.request({ cmd: 'work' }, { n: i }); // warm up
      const baseline = await settledHeap();
      const tally = new CallTally();
      const calls: Promise<void>[] = [];
      let restart: Promise<number> | undefined;
      for (let i = 0; i < CALLS; i += BATCH) {
        for (let j = i; j < i + BATCH; j++) {
          calls.push(tally.run(async () => {
            const n = await c.request<number>({ cmd: 'work' }, { n: j, ms: 1 });
            if (n !== j) throw new Error(`reply ${n} for call ${j}`);
          }, policy.timeout + 100));
        }
        if (i === KILL_AT) restart = first.kill().then(() => second.listen(port));
        await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(calls);
      await restart;
      expect(second.alive).toBe(true);
      expect(pendingRequests(c.proxy)).toBe(0);
      const growth = (await settledHeap()) - baseline;
      const row = {
        scenario,
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes: `${tally.codesText() || 'no failures'}; slowest ${Math.round(tally.slowest)} ms (limit ${policy.timeout + 100}); heap ${growth >= 0 ? '+' : ''}${(growth / MB).toFixed(1)} MB (bound ${HEAP_BOUND / MB})`,
      };
      record(row);
      expect(tally.untyped).toEqual([]);
      expect(tally.hung).toBe(0);
      expect(tally.slowest).toBeLessThanOrEqual(policy.timeout + 100);
      expect(tally.calls).toBe(CALLS);
      expect(rejections.count()).toBe(0);
      expect(growth).toBeLessThan(HEAP_BOUND);
      return tally;
    } finally {
      await ctx.close();
    }
  } finally {
    rejections.stop();
    await first.kill();
    await second.kill();
  }
}

describe('server SIGKILLed and restarted during a 10,000-call load over TCP', () => {
  it('without retries: every call ends in success or a typed error within its timeout + 100 ms', async () => {
    const tally = await killDuringLoad('SIGKILL + restart, 10k calls, no retries', { timeout: 2000 });
    expect(tally.typedFailures).toBeGreaterThan(0); // the kill did hit calls
    expect(tally.succeeded + tally.typedFailures).toBe(CALLS);
  });

  it('with retries for idempotent calls: every call succeeds', async () => {
    const tally = await killDuringLoad('SIGKILL + restart, 10k calls, idempotent + retries', {
      timeout: 8000,
      idempotent: true,
      retry: { maxAttempts: 30, baseDelay: 20, maxDelay: 250 },
    });
    expect(tally.succeeded).toBe(CALLS);
  });
});
