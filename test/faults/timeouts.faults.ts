import { Test } from '@nestjs/testing';
import { Transport } from '@nestjs/microservices';
import { getMessagingClientToken, MessagingClient, MessagingModule, MessagingTimeoutError } from '../../src';
import type { ClientProxy } from '@nestjs/microservices';
import { pendingRequests, waitFor } from '../support/nest';
import { blackHole } from './support/raw-tcp';
import { CallTally, MB, record, settledHeap, watchUnhandledRejections } from './support/summary';

const TOTAL = 100_000;
const WAVE = 5_000;
const TIMEOUT = 100;
/** Limit for "hung": the budget plus 1 s (5,000 calls are written in one burst on a busy 2-core machine). */
const HUNG_AFTER = TIMEOUT + 1000;
/**
 * Heap growth allowed between the first wave and the last, after GC, once the
 * socket's write buffer has drained (the black hole reads slower than 5,000
 * calls are written: until it catches up, the unsent frames are on the heap).
 */
const HEAP_BOUND = 4 * MB;

/** Bytes the client's socket still has to write (a Nest internal, read to measure the heap fairly). */
function unsent(proxy: ClientProxy): number {
  return (proxy as unknown as { socket?: { netSocket?: { writableLength: number } } }).socket?.netSocket?.writableLength ?? 0;
}

describe('100,000 calls that time out', () => {
  it('leave no pending entry and no heap growth beyond the bound', async () => {
    const sink = await blackHole();
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port: sink.port }, policy: { timeout: TIMEOUT } }],
        }),
      ],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get<MessagingClient>(getMessagingClientToken('svc'));
    const ownPending = () => (client as unknown as { pending: Set<unknown> }).pending.size;
    const rejections = watchUnhandledRejections();
    const tally = new CallTally();
    const pendingAfterWaves: number[] = [];
    let baseline = 0;
    try {
      for (let sent = 0; sent < TOTAL; sent += WAVE) {
        await Promise.all(
          Array.from({ length: WAVE }, (_, i) =>
            tally.run(async () => {
              const err = await client.request({ cmd: 'hang' }, { i }).then(() => undefined, (e: unknown) => e);
              if (!(err instanceof MessagingTimeoutError)) throw err ?? new Error('a call to a black hole succeeded');
              throw err;
            }, HUNG_AFTER),
          ),
        );
        pendingAfterWaves.push(pendingRequests(client.proxy) + ownPending());
        if (sent === 0) {
          await waitFor(() => unsent(client.proxy) === 0, 30_000, 'the write buffer to drain');
          baseline = await settledHeap();
        }
      }
      await waitFor(() => unsent(client.proxy) === 0, 30_000, 'the write buffer to drain');
      const growth = (await settledHeap()) - baseline;
      record({
        scenario: '100k calls timing out (black-hole server)',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes: `${tally.codesText()}; pending after each wave: max ${Math.max(...pendingAfterWaves)}; heap ${growth >= 0 ? '+' : ''}${(growth / MB).toFixed(1)} MB after GC (bound ${HEAP_BOUND / MB})`,
      });
      expect(tally.typedFailures).toBe(TOTAL);
      // Each call ends at its budget (DEADLINE_EXCEEDED), or earlier with a retryable UNAVAILABLE when the
      // connection watchdog drops the silent connection it was on (a black hole never answers a byte).
      expect((tally.codes.get('DEADLINE_EXCEEDED') ?? 0) + (tally.codes.get('UNAVAILABLE') ?? 0)).toBe(TOTAL);
      expect(tally.hung).toBe(0);
      expect(pendingAfterWaves.every((n) => n === 0)).toBe(true);
      expect(growth).toBeLessThan(HEAP_BOUND);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await moduleRef.close();
      await sink.close();
    }
  });
});
