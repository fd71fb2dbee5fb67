import { MessagingError } from '../../src';
import { CapturingLogger } from '../support/log-capture';
import { HOP_CASES, leaksIn, startHops } from '../support/hops';
import { CallTally, record, watchUnhandledRejections } from './support/summary';
import { isMessagingErrorCode } from '../../src/extend';

/** HTTP requests per case. */
const ROUNDS = 20;
/** "hung": no answer within this (the slowest case is a 300 ms downstream timeout). */
const HUNG_AFTER = 5000;

const STATUS: Record<(typeof HOP_CASES)[number], number> = {
  found: 200,
  'not-found': 404,
  invalid: 500,
  'bad-reply': 500,
  'refused-payload': 500,
  down: 503,
  slow: 504,
};

describe('errors across hops (HTTP edge -> A -> B)', () => {
  it('every failure reaches the HTTP client typed, with its status and no internal names; only A retries when B is down', async () => {
    const hops = await startHops(new CapturingLogger());
    const rejections = watchUnhandledRejections();
    const tally = new CallTally();
    const problems: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          HOP_CASES.map((kind) =>
            tally.run(async () => {
              const res = await fetch(`${hops.edge}/orders/${kind}`, { headers: { 'x-correlation-id': `faults-${kind}` } });
              const body = (await res.json()) as { code?: unknown; message?: unknown };
              // (a success carries B's data on purpose: only failures are checked for internal names)
              const leaks = res.status === 200 ? [] : leaksIn(JSON.stringify(body), hops);
              if (res.status !== STATUS[kind] || leaks.length) {
                problems.push(`${kind}: HTTP ${res.status} ${JSON.stringify(body)}`);
                throw new Error(`unexpected answer for ${kind}`);
              }
              if (res.status === 200) return;
              if (!isMessagingErrorCode(body.code) || typeof body.message !== 'string') throw new Error(`untyped body for ${kind}`);
              throw new MessagingError(body.message, body.code, false);
            }, HUNG_AFTER),
          ),
        );
      }
      const { counters } = hops;
      const downAttempts = counters.aGaveUp.filter((e) => e.client.includes('replica')).map((e) => e.attempt);
      record({
        scenario: 'errors across hops (HTTP edge -> A -> B)',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes:
          `${tally.codesText()}; internal names in bodies: ${problems.length}; B down: edge retries ${counters.edgeRetries}, ` +
          `A runs ${counters.aRuns.get('down') ?? 0}, A attempts against B ${downAttempts.reduce((a, b) => a + b, 0)} (${ROUNDS} requests)`,
      });
      expect(problems).toEqual([]);
      expect(tally.untyped).toEqual([]);
      expect(tally.succeeded).toBe(ROUNDS);
      expect(tally.typedFailures).toBe(ROUNDS * (HOP_CASES.length - 1));
      expect(tally.hung).toBe(0);
      expect(counters.edgeRetries).toBe(0);
      expect(counters.aRuns.get('down')).toBe(ROUNDS);
      expect(downAttempts).toEqual(Array.from({ length: ROUNDS }, () => 3));
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await hops.close();
    }
  });
});
