import type { MessagingClient } from '../../src';
import { pause, tcpMessagingClient } from './support/clients';
import { ServerChild, type ServerProcessConfig, type ServerStats } from './support/server-child';
import { CallTally, record, watchUnhandledRejections } from './support/summary';

/** CPU each handler run burns, synchronously. */
const BURN_MS = 2;
/** The callers' budget (no retries). */
const BUDGET = 300;
/** Offered load, as a multiple of the measured capacity, and for how long. */
const OVERLOAD = 1.7;
const LOAD_MS = 10_000;
/** The target: at most this share of handler runs start after their caller's deadline. */
const MAX_WASTED = 0.1;

interface LoadResult {
  capacity: number;
  rate: number;
  tally: CallTally;
  runs: number;
  late: number;
  /** Time from the end of the load until the server had dealt with every request sent (the marker's reply). */
  backlogMs: number;
  timing: string;
  /** Errors the server's connections threw while reading (each closed the client's connection). */
  readErrors: string[];
}

/** Calls per second the server completes with 16 calls outstanding (saturated, no deadline pressure). */
async function capacity(client: MessagingClient, ms: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < end) {
        await client.request({ cmd: 'burn' }, { deadline: Date.now() + 60_000, ms: BURN_MS }, { timeout: 10_000 });
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - started);
}

/**
 * A server in its own process whose handler burns 2 ms of CPU; its capacity
 * is measured, then a MessagingClient offers 1.7 times that for 10 s, each
 * call with a 300 ms budget; the handler counts the runs that started after
 * their caller's deadline (carried in the payload: one host, one wall clock).
 */
async function overload(config: ServerProcessConfig): Promise<LoadResult> {
  const server = new ServerChild(config);
  try {
    const port = await server.listen(0);
    const { client, close } = await tcpMessagingClient(port, { timeout: BUDGET });
    try {
      await capacity(client, 500); // warm up
      const cap = await capacity(client, 2000);
      const before = await server.stats();
      const rate = cap * OVERLOAD;
      const tally = new CallTally();
      const calls: Promise<void>[] = [];
      const started = performance.now();
      for (let elapsed = 0; elapsed < LOAD_MS; elapsed = performance.now() - started) {
        const due = Math.floor((elapsed * rate) / 1000);
        while (calls.length < due) {
          calls.push(
            tally.run(
              () => client.request({ cmd: 'burn' }, { deadline: Date.now() + BUDGET, ms: BURN_MS }, { timeout: BUDGET }),
              BUDGET + 2000,
            ),
          );
        }
        await pause(5);
      }
      const loadEnd = performance.now();
      await Promise.all(calls);
      // A marker after everything on the same connection: once it is answered, the server has dealt with every call before it.
      await client.request({ cmd: 'echo' }, { marker: true }, { timeout: 60_000 });
      const backlogMs = performance.now() - loadEnd;
      const after = await server.stats();
      return {
        capacity: cap,
        rate,
        tally,
        runs: (after.runs.burn ?? 0) - (before.runs.burn ?? 0),
        late: after.burnLate - before.burnLate,
        backlogMs,
        timing: timingOf(after.burnTiming, before.burnTiming),
        readErrors: after.firstReadErrors,
      };
    } finally {
      await close();
    }
  } finally {
    await server.kill();
  }
}

/** Where the library's server spent the time of the runs (see ServerStats.burnTiming). */
function timingOf(after: ServerStats['burnTiming'], before: ServerStats['burnTiming']): string {
  const runs = after.runs - before.runs;
  const late = after.late - before.late;
  if (runs === 0) return '';
  const avg = (a: number, b: number, n: number) => (n ? ((a - b) / n).toFixed(1) : '-');
  return (
    `; read delay (send to read) avg ${avg(after.readDelay[0], before.readDelay[0], runs)} ms, max ${after.readDelayMax[0].toFixed(0)}; ` +
    `wait (read to start) avg ${avg(after.wait[0], before.wait[0], runs)} ms; ` +
    `wasted runs: read delay avg ${avg(after.readDelay[1], before.readDelay[1], late)} ms (max ${after.readDelayMax[1].toFixed(0)}), ` +
    `wait avg ${avg(after.wait[1], before.wait[1], late)} ms, started ${avg(after.lateBy, before.lateBy, late)} ms after the caller's deadline (max ${after.lateByMax.toFixed(0)})`
  );
}

function describeLoad(r: LoadResult): string {
  const deadlineExceeded = r.tally.codes.get('DEADLINE_EXCEEDED') ?? 0;
  return (
    `capacity ${Math.round(r.capacity)}/s, offered ${Math.round(r.rate)}/s for ${LOAD_MS / 1000} s: ${r.runs} handler runs, ` +
    `${r.late} wasted (${((100 * r.late) / Math.max(1, r.runs)).toFixed(1)}%, started after the caller's deadline), ` +
    `${r.tally.succeeded} succeeded (${((100 * r.tally.succeeded) / Math.max(1, r.runs)).toFixed(0)}% of the runs reached their caller in time), ` +
    `${deadlineExceeded} DEADLINE_EXCEEDED, ${r.tally.codes.get('UNAVAILABLE') ?? 0} UNAVAILABLE (connection replaced by the watchdog), backlog done ${(r.backlogMs / 1000).toFixed(1)} s after the load${r.timing}` +
    (r.readErrors.length ? ` [server closed the client's connection: ${r.readErrors[0]}]` : '')
  );
}

describe(`overload: ${OVERLOAD}x capacity, ${BUDGET} ms budgets (issue 11, item 4a)`, () => {
  it(`the library's server wastes at most ${MAX_WASTED * 100}% of its handler runs on expired requests`, async () => {
    const rejections = watchUnhandledRejections();
    try {
      const library = await overload({});
      const plain = await overload({ plain: true });
      const t = library.tally;
      record({
        scenario: `overload ${OVERLOAD}x, ${BUDGET} ms budgets, ${BURN_MS} ms CPU handler`,
        calls: t.calls,
        succeeded: t.succeeded,
        typedFailures: t.typedFailures,
        hung: t.hung,
        unhandledRejections: rejections.count(),
        notes: `library: ${describeLoad(library)}; plain Nest ServerTCP (no assertion): ${describeLoad(plain)}`,
      });
      expect(library.readErrors).toEqual([]);
      expect(t.untyped).toEqual([]);
      expect(t.hung).toBe(0);
      expect(t.succeeded + t.typedFailures).toBe(t.calls);
      // Calls end at their budget (DEADLINE_EXCEEDED), or earlier with a retryable UNAVAILABLE when the
      // client's watchdog took a connection silent through two budgets (a server stalled by the overload
      // looks like a half-open one) for dead and replaced it; nothing else.
      expect(t.typedFailures).toBe((t.codes.get('DEADLINE_EXCEEDED') ?? 0) + (t.codes.get('UNAVAILABLE') ?? 0));
      expect(library.runs).toBeGreaterThan(0);
      expect(library.late / library.runs).toBeLessThanOrEqual(MAX_WASTED);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
    }
  });
});
