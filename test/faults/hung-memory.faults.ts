import { waitFor } from '../support/nest';
import { tcpMessagingClient } from './support/clients';
import { ServerChild, type ServerProcessConfig } from './support/server-child';
import { ltsNode } from './support/lts-node';
import { CallTally, record, watchUnhandledRejections } from './support/summary';

const N = 2000;
/** The callers' budget (no retries). */
const BUDGET = 1000;

interface HeapResult {
  tally: CallTally;
  /** Handlers started for the N calls (the library's server refuses a request whose deadline passed before its handler started). */
  runs: number;
  /** Server heap per started handler (after GC), in bytes: while they hang (if they all started in time), and once their budget has passed. */
  perCallHung: number | undefined;
  perCallAfter: number;
  /** Whether the "while hung" heap was measured before the earliest deadline of the N calls. */
  measuredInTime: boolean;
  /** Errors the server's connections threw while reading (each closed a well-formed client's connection). */
  readErrors: string[];
}

/**
 * N calls to a handler that never answers, from a MessagingClient with a 1 s
 * budget, against a server in its own process: its heap after GC before the
 * calls, once every handler has started, and once the budget has passed.
 */
async function hungCalls(config: ServerProcessConfig, cmd: 'hang' | 'hang_watch', execPath?: string): Promise<HeapResult> {
  const server = new ServerChild(config, execPath);
  try {
    const port = await server.listen(0);
    // The connection watchdog off: every call must stay on the server until its budget ends (the subject here is server memory).
    const { client, close } = await tcpMessagingClient(port, { timeout: BUDGET }, { deadAfterTimeouts: false });
    try {
      // A marker after other calls on the same connection: once it is answered, the server has read them all and started
      // their handlers (the library's server: or refused the requests whose deadline had passed before that).
      // (If the server closed the connection, its read errors tell why: see `readErrors`.)
      const marker = () => client.request({ cmd: 'echo' }, { marker: true }, { timeout: 60_000 }).catch(() => undefined);
      const library = !config.plain;
      // the library's server has ended every request it was given (deadlines passed)
      const ended = async () => {
        const s = await server.stats();
        return s.deadlines === 0 && s.queued === 0;
      };
      // warm up every path (the 20 hung calls stay in the baseline)
      for (let i = 0; i < 200; i++) await client.request({ cmd: 'echo' }, { i });
      await Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.request({ cmd }, { i })));
      await marker();
      if (library) await waitFor(ended, 30_000, 'the warm-up requests to end');
      const before = await server.heapUsed();
      const started = (await server.stats()).runs[cmd] ?? 0;
      const runs = async () => ((await server.stats()).runs[cmd] ?? 0) - started;

      const tally = new CallTally();
      const sentAt = performance.now();
      const calls = Array.from({ length: N }, (_, i) => tally.run(() => client.request({ cmd }, { i, pad: 'x'.repeat(64) }), BUDGET + 1000));
      await marker();
      let perCallHung: number | undefined;
      let measuredInTime = false;
      // every handler started, before the budget ends (on a machine too slow for that, the library's server refuses the
      // requests that expired first); the library's server may start the last ones a few loop turns after they arrive
      const allStarted = await waitFor(async () => (await runs()) >= N, Math.max(50, BUDGET - (performance.now() - sentAt) - 50), 'every handler to start').then(
        () => true,
        () => false,
      );
      if (allStarted) {
        perCallHung = ((await server.heapUsed()) - before) / N;
        measuredInTime = performance.now() - sentAt < BUDGET;
      }
      await Promise.all(calls);
      // the library's server ends each request when its budget has passed (a plain server never does)
      if (library) await waitFor(ended, 30_000, 'the server to end the hung requests');
      const ran = await runs();
      const after = await server.heapUsed();
      const { firstReadErrors } = await server.stats();
      return { tally, runs: ran, perCallHung, perCallAfter: (after - before) / Math.max(1, ran), measuredInTime, readErrors: firstReadErrors };
    } finally {
      await close();
    }
  } finally {
    await server.kill();
  }
}

const bytes = (n: number) => `${Math.round(n)} B`;
const describeHeap = (r: HeapResult) =>
  (r.perCallHung === undefined
    ? `not measured while hung (only ${r.runs}/${N} handlers started before their deadline)`
    : `${bytes(r.perCallHung)}/call while hung${r.measuredInTime ? '' : ' (measured after the first deadline)'}`) +
  `, ${bytes(r.perCallAfter)}/call after the budget${r.runs === N ? '' : ` (per started handler: ${r.runs})`}` +
  (r.readErrors.length ? ` [server closed the client's connection: ${r.readErrors[0]}]` : '');

describe(`memory per hung TCP call: ${N} calls, ${BUDGET} ms budget (issue 11, item 4c)`, () => {
  it('once the budget has passed: next to nothing per call for a handler that honours its signal, a bounded overhead over plain Nest for one that ignores it', async () => {
    const rejections = watchUnhandledRejections();
    try {
      const library = await hungCalls({}, 'hang');
      const plain = await hungCalls({ plain: true }, 'hang');
      const watching = await hungCalls({}, 'hang_watch');
      const t = library.tally;
      record({
        scenario: `${N} hung TCP calls, ${BUDGET} ms budget: server heap per call`,
        calls: t.calls,
        succeeded: t.succeeded,
        typedFailures: t.typedFailures,
        hung: t.hung,
        unhandledRejections: rejections.count(),
        notes:
          `server heap after GC, handler ignores its signal and holds its promise: library ${describeHeap(library)}; ` +
          `plain Nest ServerTCP ${describeHeap(plain)}; ` +
          `library, handler that rejects when its signal aborts: ${describeHeap(watching)}; callers: ${t.codesText()}`,
      });
      // a well-formed client's connection is never closed by the server's framing
      expect([...library.readErrors, ...plain.readErrors, ...watching.readErrors]).toEqual([]);
      expect(t.untyped).toEqual([]);
      expect(t.hung).toBe(0);
      expect(t.codes.get('DEADLINE_EXCEEDED')).toBe(N);
      // Once the budget has passed the library lets go of the request (its state, its reply, its delivery): what is
      // left is what the handler itself still holds. A handler that honours its signal leaves next to nothing,
      // where plain Nest keeps every hung call for ever.
      expect(watching.perCallAfter).toBeLessThan(plain.perCallAfter / 10);
      // A handler that ignores its signal keeps its own promise chain, as under plain Nest; on Node 20 each of
      // those promises also carries the async-hooks bookkeeping of AsyncLocalStorage (the message context), which
      // plain Nest, without an async context, does not pay: a bounded overhead, not a leak.
      expect(library.perCallAfter).toBeLessThanOrEqual(plain.perCallAfter * 1.25);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
    }
  }, 150_000);

  // From Node 24, AsyncLocalStorage runs on async context frames: a promise no longer carries the async-hooks
  // fields (two ids and the store), and what a hung call leaves is the handler's own chain.
  const lts = ltsNode();
  (lts ? it : it.skip)(`on Node ${lts?.major ?? 24}: no more per hung call than plain Nest once the budget has passed`, async () => {
    const rejections = watchUnhandledRejections();
    try {
      const library = await hungCalls({}, 'hang', lts!.path);
      const plain = await hungCalls({ plain: true }, 'hang', lts!.path);
      const t = library.tally;
      record({
        scenario: `${N} hung TCP calls, ${BUDGET} ms budget: server heap per call, Node ${lts!.major}`,
        calls: t.calls,
        succeeded: t.succeeded,
        typedFailures: t.typedFailures,
        hung: t.hung,
        unhandledRejections: rejections.count(),
        notes: `server on Node ${lts!.major}, heap after GC, handler ignores its signal: library ${describeHeap(library)}; plain Nest ServerTCP ${describeHeap(plain)}; callers: ${t.codesText()}`,
      });
      expect([...library.readErrors, ...plain.readErrors]).toEqual([]);
      expect(t.untyped).toEqual([]);
      expect(t.hung).toBe(0);
      expect(t.codes.get('DEADLINE_EXCEEDED')).toBe(N);
      expect(library.perCallAfter).toBeLessThanOrEqual(plain.perCallAfter);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
    }
  }, 150_000);
});
