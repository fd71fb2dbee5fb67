import { waitFor } from '../support/nest';
import { pause, tcpMessagingClient } from './support/clients';
import { ServerChild, type ServerProcessConfig } from './support/server-child';
import { CallTally, record, watchUnhandledRejections } from './support/summary';

const CALLERS = 200;
/** The callers' budget (no retries). */
const BUDGET = 1000;
/** How long the server process stays stopped. */
const STOP_MS = 3000;
const TOLERANCE = 100;

interface StopResult {
  tally: CallTally;
  /** Runs of the non-idempotent handler for the calls sent while the server was stopped. */
  runs: number;
  /** How the server's pipeline ended those messages (`ok`: the handler ran; an error code: refused). */
  ended: Record<string, number>;
  /** ms from SIGCONT until the server had dealt with all of them. */
  backlogMs: number;
  /** A call made after SIGCONT succeeded. */
  after: boolean;
  /** Errors the server's connections threw while reading (each closed the client's connection). */
  readErrors: string[];
}

/**
 * A library server in its own process with a non-idempotent handler that
 * counts its runs. Once a MessagingClient is connected, the server is
 * SIGSTOPped, 200 callers send at once (the frames wait in the kernel), and
 * the server is SIGCONTinued 3 s later, when every caller has given up.
 */
async function stopDuringCalls(config: ServerProcessConfig): Promise<StopResult> {
  const server = new ServerChild({ ...config, countHandlers: true });
  try {
    const port = await server.listen(0);
    // The connection watchdog off: every caller waits out its budget (the subject is the server's deadline check).
    const { client, close } = await tcpMessagingClient(port, { timeout: BUDGET }, { deadAfterTimeouts: false });
    try {
      for (let i = 0; i < 10; i++) await client.request({ cmd: 'echo' }, { i }); // connected and warm
      const before = await server.stats();
      const tally = new CallTally();
      server.process.kill('SIGSTOP');
      const stoppedAt = performance.now();
      let resumed = false;
      try {
        await Promise.all(Array.from({ length: CALLERS }, (_, i) => tally.run(() => client.request({ cmd: 'count' }, { i }), BUDGET + 1000)));
        await pause(STOP_MS - (performance.now() - stoppedAt));
      } finally {
        resumed = server.process.kill('SIGCONT');
      }
      const resumedAt = performance.now();
      expect(resumed).toBe(true);
      // the server reads the 200 frames now: wait until its pipeline has ended every one of them
      const dealtWith = async () => {
        const s = await server.stats();
        const ended = Object.values(s.ended.count ?? {}).reduce((a, b) => a + b, 0);
        return ended >= CALLERS;
      };
      await waitFor(dealtWith, 15_000, `the server to deal with the ${CALLERS} calls sent while it was stopped`);
      const backlogMs = performance.now() - resumedAt;
      const s = await server.stats();
      const runs = (s.runs.count ?? 0) - (before.runs.count ?? 0);
      const after = await client.request({ cmd: 'echo' }, { after: true }).then(
        () => true,
        () => false,
      );
      return { tally, runs, ended: s.ended.count ?? {}, backlogMs, after, readErrors: (await server.stats()).firstReadErrors };
    } finally {
      await close();
    }
  } finally {
    await server.kill();
  }
}

function describeStop(r: StopResult): string {
  const ended = Object.entries(r.ended)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `callers: ${r.tally.codesText() || 'none failed'}; handler runs for them ${r.runs}/${CALLERS}; ` +
    `server pipeline ended them: ${ended} (${(r.backlogMs / 1000).toFixed(1)} s after SIGCONT); a call after SIGCONT ${r.after ? 'succeeded' : 'failed'}` +
    (r.readErrors.length ? ` [server closed the client's connection: ${r.readErrors[0]}]` : '')
  );
}

describe(`server SIGSTOPped for ${STOP_MS / 1000} s under ${CALLERS} calls (issue 11, item 4b)`, () => {
  it(`with clockSkewTolerance ${TOLERANCE} ms: every caller gets DEADLINE_EXCEEDED and no expired handler runs`, async () => {
    const rejections = watchUnhandledRejections();
    try {
      const tolerant = await stopDuringCalls({ server: { clockSkewTolerance: TOLERANCE } });
      const plainBudget = await stopDuringCalls({});
      const t = tolerant.tally;
      record({
        scenario: `SIGSTOP ${STOP_MS / 1000} s, ${CALLERS} callers, ${BUDGET} ms budget, clockSkewTolerance ${TOLERANCE}`,
        calls: t.calls,
        succeeded: t.succeeded,
        typedFailures: t.typedFailures,
        hung: t.hung,
        unhandledRejections: rejections.count(),
        notes:
          `SIGSTOP, then ${CALLERS} calls of a non-idempotent handler, SIGCONT ${STOP_MS} ms after the stop: ${describeStop(tolerant)}; ` +
          `without clockSkewTolerance (no assertion): ${describeStop(plainBudget)}`,
      });
      expect(tolerant.readErrors).toEqual([]);
      expect(t.untyped).toEqual([]);
      expect(t.hung).toBe(0);
      expect(t.codes.get('DEADLINE_EXCEEDED')).toBe(CALLERS);
      expect(tolerant.runs).toBe(0);
      expect(tolerant.ended).toEqual({ DEADLINE_EXCEEDED: CALLERS });
      expect(tolerant.after).toBe(true);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
    }
  });
});
