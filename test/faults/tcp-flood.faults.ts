import { pause, tcpMessagingClient, within } from './support/clients';
import { floodConnection, type FloodConnection } from './support/raw-tcp';
import { RssSampler, ServerChild, type ServerProcessConfig, type ServerStats } from './support/server-child';
import { CallTally, MB, record, watchUnhandledRejections } from './support/summary';

/** The issue's bound: the flooded server's RSS stays within this of its idle RSS. */
const RSS_BOUND = 512 * MB;
/** Well-formed calls: their budget ("hung" 100 ms after it). */
const CALL_BUDGET = 5000;
/** Longest wait for the server to read what the attackers' kernels still buffer. */
const SETTLE_MS = 10_000;

interface Flood {
  /** What each connection declares, before its body. */
  prefix: string;
  attackers: number;
  /** Body bytes each attacker tries to deliver. */
  bodyBytes: number;
  /** Whether an attacker whose connection is closed opens another and goes on (until its bytes are sent or the time is up). */
  reconnect: boolean;
  /** Longest the flood goes on, in ms. */
  maxMs: number;
}

interface FloodOutcome {
  connections: FloodConnection[];
  bytesSent: number;
  ms: number;
}

async function runFlood(port: number, flood: Flood): Promise<FloodOutcome> {
  const chunk = Buffer.alloc(MB, 'a');
  const connections: FloodConnection[] = [];
  let bytesSent = 0;
  const started = performance.now();
  const until = started + flood.maxMs;
  await Promise.all(
    Array.from({ length: flood.attackers }, async () => {
      const own = { bytes: 0 };
      do {
        const before = own.bytes;
        const c = await floodConnection(port, flood.prefix, flood.bodyBytes - own.bytes, chunk, own, until);
        connections.push(c);
        bytesSent += own.bytes - before;
        if (c.complete) break;
      } while (flood.reconnect && own.bytes < flood.bodyBytes && performance.now() < until);
    }),
  );
  return { connections, bytesSent, ms: performance.now() - started };
}

interface Variant {
  /** Whether the server has read what the attackers sent (their kernels may still buffer some when they are done). */
  settled(o: FloodOutcome, stats: ServerStats): boolean;
  /** Notes on what the server held, and the checks of this variant (run after the row is recorded). */
  report(o: FloodOutcome, maxBuffered: number, stats: ServerStats): { notes: string; check: () => void };
}

/**
 * A flood of raw connections against a library TCP server in its own process,
 * while a MessagingClient makes well-formed calls throughout; the server's
 * RSS is sampled every 100 ms (over IPC and from /proc, with the kernel's peak).
 */
async function floodScenario(scenario: string, config: ServerProcessConfig, flood: Flood, variant: Variant) {
  const server = new ServerChild(config);
  const rejections = watchUnhandledRejections();
  let sampler: RssSampler | undefined;
  let connections: FloodConnection[] = [];
  try {
    const port = await server.listen(0);
    const { client, close } = await tcpMessagingClient(port, { timeout: CALL_BUDGET });
    try {
      const tally = new CallTally();
      const call = (i: number) =>
        tally.run(async () => {
          const reply = await client.request({ cmd: 'echo' }, { i });
          if ((reply as { i?: number }).i !== i) throw new Error(`wrong reply ${JSON.stringify(reply)}`);
        }, CALL_BUDGET + 100);
      for (let i = 0; i < 20; i++) await call(i); // warm up (and well-formed before the flood)
      await server.heapUsed(); // a GC: the idle RSS without the warm-up's garbage
      const idle = await server.rss();
      const peakReset = server.resetPeakRss();
      sampler = new RssSampler(server, 100);

      let flooding = true;
      let maxBuffered = 0;
      let during = 0;
      let stats = await server.stats();
      // the server's counters, unless its event loop is too busy to answer within 2 s (the last ones are kept)
      let fresh = true;
      const observe = async () => {
        const now = await within(server.stats(), 2000);
        fresh = now !== undefined;
        stats = now ?? stats;
        maxBuffered = Math.max(maxBuffered, stats.bufferedBytes ?? 0);
      };
      // well-formed calls all along the flood, and until the server has read all of it
      const wellFormed = (async () => {
        for (let i = 1000; flooding; i++) {
          await call(i);
          during++;
          await observe();
          await pause(20);
        }
      })();
      let outcome: FloodOutcome;
      let settleMs = 0;
      try {
        outcome = await runFlood(port, flood);
        connections = outcome.connections;
        const settleStart = performance.now();
        await observe();
        while (!variant.settled(outcome, stats) && performance.now() - settleStart < SETTLE_MS) {
          await pause(50);
          await observe();
        }
        settleMs = performance.now() - settleStart;
        await Promise.all(Array.from({ length: 10 }, (_, i) => call(2000 + i))); // while the open connections hold their frames
      } finally {
        flooding = false;
        await wellFormed;
      }
      await observe();
      const { notes, check } = variant.report(outcome, maxBuffered, stats);
      const settled = variant.settled(outcome, stats);
      const closedByServer = connections.filter((c) => c.closedByPeer).length;
      for (const c of connections) c.close();
      // the read budget comes back once the attackers are gone
      const releaseStart = Date.now();
      await observe();
      while ((stats.bufferedBytes ?? 0) > 0 && Date.now() - releaseStart < 10_000) {
        await pause(20);
        await observe();
      }
      const bufferedAfter = stats.bufferedBytes ?? 0;
      await Promise.all(Array.from({ length: 10 }, (_, i) => call(3000 + i))); // after the flood
      sampler.stop();
      const peak = peakReset ? (server.procRss()?.peak ?? 0) : 0;
      const maxRss = Math.max(sampler.max, peak);
      await observe();

      record({
        scenario,
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes:
          `${flood.attackers} attackers x ${(flood.bodyBytes / MB).toFixed(0)} MB after '${flood.prefix}'${flood.reconnect ? ', reconnecting when closed' : ''}: ` +
          `${connections.length} connections, ${(outcome.bytesSent / MB).toFixed(0)} MB sent in ${(outcome.ms / 1000).toFixed(1)} s ` +
          `(+${(settleMs / 1000).toFixed(1)} s for the server to read the rest${settled ? '' : ': it had not after ' + SETTLE_MS / 1000 + ' s'}), ` +
          `${closedByServer} closed by the server; ${notes}; ` +
          `unfinished frames held after the attackers left: ${bufferedAfter} bytes; ` +
          `server RSS idle ${(idle / MB).toFixed(0)} MB, max ${(maxRss / MB).toFixed(0)} MB (+${((maxRss - idle) / MB).toFixed(0)} MB, bound +${RSS_BOUND / MB}; ` +
          `${sampler.samples} IPC samples${peakReset ? ' and the kernel peak' : ''}); ` +
          `well-formed calls: ${during} during the flood, ${tally.codesText() || 'none failed'}, slowest ${Math.round(tally.slowest)} ms; ` +
          `${stats.closedConnectionLines} log line(s) about closed connections; ` +
          `${fresh ? '' : 'the server was too busy to report within 2 s: its counters above are the last it reported; '}` +
          `${stats.readErrors ? `${stats.readErrors} connection(s) closed by an error thrown while reading (${stats.firstReadErrors[0]}); ` : ''}` +
          `server alive: ${server.alive}`,
      });
      expect(server.alive).toBe(true);
      expect(maxRss - idle).toBeLessThan(RSS_BOUND);
      expect(tally.untyped).toEqual([]);
      expect(tally.codesText()).toBe('');
      expect(tally.succeeded).toBe(tally.calls);
      expect(tally.hung).toBe(0);
      expect(during).toBeGreaterThan(0);
      expect(settled).toBe(true);
      expect(fresh).toBe(true);
      check();
      expect(bufferedAfter).toBe(0);
      // one line per peer address per minute (every attacker is 127.0.0.1)
      expect(stats.closedConnectionLines).toBeGreaterThanOrEqual(1);
      expect(stats.closedConnectionLines).toBeLessThanOrEqual(Math.ceil((outcome.ms + settleMs) / 60_000) + 1);
      expect(rejections.count()).toBe(0);
    } finally {
      await close();
    }
  } finally {
    sampler?.stop();
    for (const c of connections) c.close();
    rejections.stop();
    await server.kill();
  }
}

describe('TCP server flooded by raw connections (issue 11, item 1)', () => {
  it('32 attackers each declaring a 2 GiB frame and sending 100 MB: refused at the prefix, the server stays small and serves', async () => {
    await floodScenario(
      'flood: 32 x 2 GiB frames declared, 100 MB each',
      {},
      { prefix: '2147483648#"', attackers: 32, bodyBytes: 100 * MB, reconnect: true, maxMs: 10_000 },
      {
        // every connection closed by the server (the default frame limit, 16 MiB, refuses it at its prefix)
        settled: (o) => o.connections.every((c) => c.closedByPeer),
        report: (o, maxBuffered) => ({
          notes: `unfinished frames held at most ${(maxBuffered / MB).toFixed(1)} MB`,
          check: () => expect(o.connections.filter((c) => !c.closedByPeer)).toEqual([]),
        }),
      },
    );
  }, 150_000);

  it('64 connections each sending an unfinished 8 MB frame under the frame limit: the read budget (128 MB) caps them', async () => {
    const budget = 128 * MB;
    const frame = 8 * MB;
    const prefix = `${frame + 4096}#"`;
    const perConnection = Buffer.byteLength(prefix) + frame;
    const open = (o: FloodOutcome) => o.connections.filter((c) => !c.closedByPeer);
    const openBytes = (o: FloodOutcome) => open(o).reduce((n, c) => n + c.bytes, 0);
    await floodScenario(
      'flood: 64 x 8 MB unfinished frames, budget 128 MB',
      { server: { tcp: { maxBufferedBytes: budget } } },
      { prefix, attackers: 64, bodyBytes: frame, reconnect: false, maxMs: 15_000 },
      {
        // the server holds everything the connections it did not close have sent
        // The server holds each open connection's bytes after its length prefix (`<digits>#` is read, not held).
        settled: (o, stats) => stats.bufferedBytes === openBytes(o) - open(o).length * (prefix.indexOf('#') + 1),
        report: (o, maxBuffered, stats) => ({
          notes:
            `${open(o).length} connections left open, ${open(o).filter((c) => c.complete).length} of them with their whole unfinished frame ` +
            `(${((stats.bufferedBytes ?? 0) / MB).toFixed(1)} MB held; at most ${(maxBuffered / MB).toFixed(1)} MB seen)`,
          check: () => {
            expect(maxBuffered).toBeLessThanOrEqual(budget);
            expect(openBytes(o)).toBeLessThanOrEqual(budget);
            // at most budget / frame connections can hold a whole frame: the server closed the others
            expect(o.connections.filter((c) => c.complete && !c.closedByPeer).length).toBeLessThanOrEqual(Math.floor(budget / perConnection));
            expect(o.connections.filter((c) => c.closedByPeer).length).toBeGreaterThanOrEqual(o.connections.length - Math.floor(budget / perConnection));
          },
        }),
      },
    );
  }, 150_000);
});
