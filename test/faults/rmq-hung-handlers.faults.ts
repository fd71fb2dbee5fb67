import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Payload } from '@nestjs/microservices';
import { getMessageContext, getMessagingClientToken, MessageHandler, MessagingClient, MessagingModule } from '../../src';
import { describeWithBroker } from '../support/brokers';
import { Controller, waitFor } from '../support/nest';
import { endpoint, nestOptions, startServer } from '../support/transports';
import { CallTally, record, watchUnhandledRejections } from './support/summary';

const PREFETCH = 5;
/** Budget of the calls whose handler hangs. */
const HUNG_BUDGET = 500;
const LATER_CALLS = 10;
/** Budget of the calls made after them (they wait for the hung deliveries' prefetch slots). */
const LATER_BUDGET = 10_000;

const seen = { started: 0, aborted: 0, ignored: 0 };
const held = new Set<() => void>();

@Controller()
class HungHandlers {
  /** Hangs until the message's AbortSignal aborts. */
  @MessageHandler({ cmd: 'rmq_hang_watch' })
  hangWatch(): Promise<never> {
    seen.started++;
    const signal = getMessageContext()?.signal;
    return new Promise<never>((_, reject) => {
      signal?.addEventListener(
        'abort',
        () => {
          seen.aborted++;
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** Hangs for good: ignores its signal entirely. */
  @MessageHandler({ cmd: 'rmq_hang_ignore' })
  hangIgnore(): Promise<void> {
    seen.started++;
    seen.ignored++;
    return new Promise<void>((resolve) => held.add(resolve));
  }

  @MessageHandler({ cmd: 'rmq_ok' })
  ok(@Payload() n: number) {
    return n;
  }
}

async function prefetchFilledByHungHandlers(cmd: 'rmq_hang_watch' | 'rmq_hang_ignore') {
  for (const k of Object.keys(seen) as (keyof typeof seen)[]) seen[k] = 0;
  const ep = await endpoint('rmq');
  const rejections = watchUnhandledRejections();
  let server: INestMicroservice | undefined;
  let app: INestApplicationContext | undefined;
  try {
    server = await startServer(ep, [HungHandlers], {
      server: { rmq: { prefetch: PREFETCH, deadLetterQueueOptions: { durable: false, autoDelete: false, expires: 60_000 } } },
    });
    app = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })] }).compile();
    await app.init();
    const client = app.get<MessagingClient>(getMessagingClientToken('svc'));
    await client.request({ cmd: 'rmq_ok' }, 0, { timeout: LATER_BUDGET }); // connected on both sides

    const hungTally = new CallTally();
    const laterTally = new CallTally();
    const hung = Array.from({ length: PREFETCH }, (_, i) => hungTally.run(() => client.request({ cmd }, { i }, { timeout: HUNG_BUDGET }), HUNG_BUDGET + 1000));
    // every prefetch slot is taken by a hung handler
    await waitFor(() => seen.started === PREFETCH, 5000, `${PREFETCH} hung handlers`);
    const laterSent = performance.now();
    const later = Array.from({ length: LATER_CALLS }, (_, i) =>
      laterTally.run(async () => {
        const n = await client.request<number>({ cmd: 'rmq_ok' }, i + 1, { timeout: LATER_BUDGET });
        if (n !== i + 1) throw new Error(`reply ${n} for ${i + 1}`);
      }, LATER_BUDGET + 1000),
    );
    await Promise.all([...hung, ...later]);
    const laterMs = performance.now() - laterSent;
    // one more call after them all: a hung delivery put back in the queue (not acknowledged) would run again before it
    await client.request({ cmd: 'rmq_ok' }, 99, { timeout: LATER_BUDGET });
    const startedTotal = seen.started;

    const watching = cmd === 'rmq_hang_watch';
    // The server's budget counts from its read, a little after the caller's: the caller can see its
    // DEADLINE_EXCEEDED (and the later calls their replies) before the server's timer aborts the last signal.
    if (watching) await waitFor(() => seen.aborted === PREFETCH, HUNG_BUDGET + 2000, `the signals of ${PREFETCH} hung handlers to abort`).catch(() => undefined);
    const all = [hungTally, laterTally];
    const sum = (f: (t: CallTally) => number) => all.reduce((n, t) => n + f(t), 0);
    record({
      scenario: `RabbitMQ prefetch ${PREFETCH}, ${PREFETCH} hung handlers (${watching ? 'watching their signal' : 'ignoring their signal'})`,
      calls: sum((t) => t.calls),
      succeeded: sum((t) => t.succeeded),
      typedFailures: sum((t) => t.typedFailures),
      hung: sum((t) => t.hung),
      unhandledRejections: rejections.count(),
      notes:
        `${PREFETCH} calls (budget ${HUNG_BUDGET} ms) whose handler hangs: ${hungTally.codesText() || 'none failed'}; ` +
        `${watching ? `signal aborted in ${seen.aborted}/${PREFETCH} handlers` : `${seen.ignored} handlers still hanging`}, ` +
        `hung handlers run ${startedTotal} times in all (no redelivery); ` +
        `then ${LATER_CALLS} normal calls: ${laterTally.succeeded}/${LATER_CALLS} succeeded, all answered within ${Math.round(laterMs)} ms (slowest ${Math.round(laterTally.slowest)} ms)`,
    });
    expect(hungTally.untyped).toEqual([]);
    expect(laterTally.untyped).toEqual([]);
    expect(hungTally.codes.get('DEADLINE_EXCEEDED')).toBe(PREFETCH);
    expect(laterTally.succeeded).toBe(LATER_CALLS);
    expect(sum((t) => t.hung)).toBe(0);
    if (watching) expect(seen.aborted).toBe(PREFETCH);
    expect(startedTotal).toBe(PREFETCH);
    expect(rejections.count()).toBe(0);
  } finally {
    rejections.stop();
    for (const resolve of held) resolve();
    held.clear();
    await app?.close();
    await server?.close();
  }
}

describeWithBroker('rabbitmq', `RabbitMQ: prefetch ${PREFETCH} filled by hung handlers (issue 11, item 4c)`, () => {
  it('the hung deliveries are settled when their budget ends, the signal aborts, and later calls are served', async () => {
    await prefetchFilledByHungHandlers('rmq_hang_watch');
  });

  it('the same with handlers that ignore their signal', async () => {
    await prefetchFilledByHungHandlers('rmq_hang_ignore');
  });
});
