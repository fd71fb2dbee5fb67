import { Test, type TestingModule } from '@nestjs/testing';
import { Payload, RpcException, Transport } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { concat, firstValueFrom, lastValueFrom, map, of, take, tap, throwError, timer, toArray, type Observable } from 'rxjs';
import { getMessagingClientToken, MessageHandler, MessagingClient, MessagingError, MessagingModule } from 'nestjs-messaging';
import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';
import { Controller, nestMajor, startTcpServer, waitFor, type RunningServer } from './support/nest';
import { type CircuitBreakerOptions } from 'nestjs-messaging/extend';

/**
 * Issue 11, item 3: how a call ends for the breaker, the retry budget, spans
 * and metrics, whichever way the caller consumes it. A call that received a
 * value and was then unsubscribed (firstValueFrom, take(1)) succeeded; a call
 * unsubscribed before any value was cancelled: neither success nor failure.
 */

const started: Record<string, number> = {};
const begin = (name: string) => (started[name] = (started[name] ?? 0) + 1);

@Controller()
class OutcomeController {
  @MessageHandler({ cmd: 'ok' })
  ok(@Payload() data: { n?: number }) {
    return { ok: true, n: data.n };
  }

  /** A failure for the breaker and the budget: a retryable remote error (the peer is overloaded). */
  @MessageHandler({ cmd: 'fail' })
  fail() {
    throw new RpcException({ code: 'UNAVAILABLE', message: 'overloaded', retryable: true });
  }

  @MessageHandler({ cmd: 'slow' })
  async slow() {
    begin('slow');
    await new Promise((r) => setTimeout(r, 400));
    return 'late';
  }

  /** Three values at once, then completion. */
  @MessageHandler({ cmd: 'stream' })
  stream(): Observable<number> {
    return of(1, 2, 3);
  }

  /** One value at once, the next ones 300 ms later. */
  @MessageHandler({ cmd: 'stream_slow' })
  streamSlow(): Observable<number> {
    return concat(of(1), timer(300).pipe(map(() => 2)), of(3));
  }

  /** The first value only after 400 ms. */
  @MessageHandler({ cmd: 'stream_late' })
  streamLate(): Observable<number> {
    begin('stream_late');
    return timer(400).pipe(take(1));
  }

  /** A value, then a retryable failure. */
  @MessageHandler({ cmd: 'stream_fails' })
  streamFails(): Observable<number> {
    return concat(of(1), throwError(() => new RpcException({ code: 'UNAVAILABLE', message: 'lost the backend', retryable: true })));
  }
}

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One client with its own tracer and meter, so each test reads only its own calls. */
interface Harness {
  client: MessagingClient;
  moduleRef: TestingModule;
  exporter: InMemorySpanExporter;
  reader: TestReader;
}

const MAX_TOKENS = 10;
const RATIO = 0.1;

async function harness(port: number, circuitBreaker: CircuitBreakerOptions = { consecutiveFailures: 5, halfOpenAfter: 60_000 }): Promise<Harness> {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRoot({
        clients: [
          {
            name: 'svc',
            transport: Transport.TCP,
            options: { host: '127.0.0.1', port },
            policy: { timeout: 3000 },
            resilience: { circuitBreaker, retryBudget: { maxTokens: MAX_TOKENS, tokenRatio: RATIO } },
          },
        ],
        instrumentation: [new OpenTelemetryInstrumentation({ tracerProvider, meterProvider })],
      }),
    ],
  }).compile();
  await moduleRef.init();
  return { client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')), moduleRef, exporter, reader };
}

function clientSpans(h: Harness): ReadableSpan[] {
  return h.exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
}

/** How a span ended: 'ok', 'error' or 'cancelled'. */
function spanOutcome(span: ReadableSpan): string {
  if (span.attributes['nestjs_messaging.cancelled'] === true) return 'cancelled';
  return span.status.code === SpanStatusCode.ERROR ? 'error' : 'ok';
}

/** The duration histogram's call counts by outcome, and the errors counter. */
async function callMetrics(h: Harness): Promise<{ ok: number; error: number; cancelled: number; errors: number }> {
  const { resourceMetrics } = await h.reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const out = { ok: 0, error: 0, cancelled: 0, errors: 0 };
  const duration = all.find((m) => m.descriptor.name === 'messaging.client.operation.duration');
  for (const p of (duration?.dataPoints ?? []) as DataPoint<Histogram>[]) {
    const kind = p.attributes['nestjs_messaging.cancelled'] === true ? 'cancelled' : p.attributes['error.type'] ? 'error' : 'ok';
    out[kind] += p.value.count;
  }
  const errors = all.find((m) => m.descriptor.name === 'nestjs_messaging.client.errors');
  for (const p of (errors?.dataPoints ?? []) as DataPoint<number>[]) out.errors += p.value;
  return out;
}

async function failures(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const err = await h.client.request({ cmd: 'fail' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingError);
    expect((err as MessagingError).code).toBe('UNAVAILABLE');
  }
}

const tokens = (h: Harness) => h.client.resilience!.snapshot().retryTokens!;
const circuit = (h: Harness) => h.client.resilience!.snapshot().circuit;

/** Subscribes to `source` and unsubscribes once `ready()` is true (the server is handling it), before any value. */
async function cancelBeforeReply(source: Observable<unknown>, ready: () => boolean): Promise<unknown[]> {
  const values: unknown[] = [];
  let error: unknown;
  const sub = source.subscribe({ next: (v) => values.push(v), error: (e: unknown) => (error = e) });
  await waitFor(ready, 3000, 'the server to start handling the call');
  sub.unsubscribe();
  if (error) throw error;
  return values;
}

describe(`How a call ends, for the breaker, the retry budget, spans and metrics (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  let h: Harness;

  beforeAll(async () => {
    server = await startTcpServer([OutcomeController]);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await h?.moduleRef.close();
  });

  /**
   * Each style runs after 4 failures (consecutiveFailures is 5, tokens 10 - 4 = 6):
   * a success gives a token back (6.1) and resets the failure count, so one more
   * failure leaves the circuit closed.
   */
  const successes: Array<[string, (c: MessagingClient) => Promise<unknown>, unknown]> = [
    ['firstValueFrom(client.send(...))', (c) => firstValueFrom(c.send({ cmd: 'ok' }, { n: 1 })), { ok: true, n: 1 }],
    ['lastValueFrom(client.send(...))', (c) => lastValueFrom(c.send({ cmd: 'ok' }, { n: 2 })), { ok: true, n: 2 }],
    ['client.send(...).pipe(take(1))', (c) => lastValueFrom(c.send({ cmd: 'ok' }, { n: 3 }).pipe(take(1))), { ok: true, n: 3 }],
    ['client.request(...)', (c) => c.request({ cmd: 'ok' }, { n: 4 }), { ok: true, n: 4 }],
  ];

  it.each(successes)('%s is a success for every observer', async (_name, consume, expected) => {
    h = await harness(server.port);
    await failures(h, 4);
    expect(tokens(h)).toBe(MAX_TOKENS - 4);
    await expect(consume(h.client)).resolves.toEqual(expected);
    expect(tokens(h)).toBeCloseTo(MAX_TOKENS - 4 + RATIO, 10);
    expect(circuit(h)).toBe('closed');
    // The success reset the breaker's count: a fifth failure in all does not open it.
    await failures(h, 1);
    expect(circuit(h)).toBe('closed');
    const spans = clientSpans(h);
    expect(spans.map(spanOutcome)).toEqual(['error', 'error', 'error', 'error', 'ok', 'error']);
    expect(spans[4]!.attributes['error.type']).toBeUndefined();
    expect(await callMetrics(h)).toEqual({ ok: 1, error: 5, cancelled: 0, errors: 5 });
  });

  it('a call unsubscribed before its reply is neither success nor failure', async () => {
    h = await harness(server.port);
    await failures(h, 4);
    const before = started.slow ?? 0;
    const values = await cancelBeforeReply(h.client.send({ cmd: 'slow' }, {}), () => (started.slow ?? 0) > before);
    expect(values).toEqual([]);
    // Not a failure: 4 + a cancel does not open a 5-failure circuit; not a success: no token back.
    expect(circuit(h)).toBe('closed');
    expect(tokens(h)).toBe(MAX_TOKENS - 4);
    await waitFor(() => clientSpans(h).length === 5, 2000, 'the cancelled call\'s span');
    const cancelled = clientSpans(h)[4]!;
    expect(spanOutcome(cancelled)).toBe('cancelled');
    expect(cancelled.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(cancelled.attributes['error.type']).toBeUndefined();
    expect(await callMetrics(h)).toEqual({ ok: 0, error: 4, cancelled: 1, errors: 4 });
    // Nor did it reset the failure count: one more failure is the fifth in a row.
    await failures(h, 1);
    expect(circuit(h)).toBe('open');
  });

  it('the issue\'s repro: 6 isolated failures, each followed by 50 firstValueFrom successes, never open a 5-failure circuit; the budget refills', async () => {
    h = await harness(server.port);
    let failed = 0;
    for (let round = 0; round < 6; round++) {
      await failures(h, 1);
      failed++;
      expect(tokens(h)).toBe(MAX_TOKENS - 1);
      for (let i = 0; i < 50; i++) await expect(firstValueFrom(h.client.send({ cmd: 'ok' }, { n: i }))).resolves.toEqual({ ok: true, n: i });
      expect(circuit(h)).toBe('closed');
      expect(tokens(h)).toBe(MAX_TOKENS);
    }
    expect(failed).toBe(6);
    const spans = clientSpans(h);
    expect(spans).toHaveLength(306);
    expect(spans.filter((s) => spanOutcome(s) === 'ok')).toHaveLength(300);
    expect(await callMetrics(h)).toEqual({ ok: 300, error: 6, cancelled: 0, errors: 6 });
  });

  describe('a cancelled half-open trial', () => {
    const HALF_OPEN = 150;

    /** Opens the circuit (2 failures), then starts calls to 'slow' until one is let through: the trial, cancelled once the server runs it. */
    async function cancelTrial(): Promise<number> {
      h = await harness(server.port, { consecutiveFailures: 2, halfOpenAfter: HALF_OPEN });
      await failures(h, 2);
      expect(circuit(h)).toBe('open');
      const tokensBefore = tokens(h);
      let refusedCalls = 0;
      await waitFor(
        async () => {
          let refused = false;
          const before = started.slow ?? 0;
          // A refused call fails synchronously on subscribe; the one let through is the trial.
          const sub = h.client.send({ cmd: 'slow' }, {}).subscribe({ error: () => (refused = true) });
          if (refused) {
            refusedCalls++;
            return false;
          }
          await waitFor(() => (started.slow ?? 0) > before, 3000, 'the trial to reach the server');
          sub.unsubscribe();
          return true;
        },
        HALF_OPEN + 3000,
        'the circuit to let a trial through',
      );
      expect(circuit(h)).toBe('half-open');
      expect(tokens(h)).toBe(tokensBefore);
      await waitFor(() => clientSpans(h).some((s) => spanOutcome(s) === 'cancelled'), 2000, 'the trial\'s span');
      return refusedCalls;
    }

    it('leaves the circuit half-open; the next call takes the trial over and its success closes it', async () => {
      const refused = await cancelTrial();
      await expect(h.client.request({ cmd: 'ok' }, { n: 1 })).resolves.toEqual({ ok: true, n: 1 });
      expect(circuit(h)).toBe('closed');
      // The calls refused while the circuit was open are failed calls too (MessagingCircuitOpenError).
      expect(await callMetrics(h)).toEqual({ ok: 1, error: 2 + refused, cancelled: 1, errors: 2 + refused });
    });

    it('leaves the circuit half-open; the next call takes the trial over and its failure opens it again', async () => {
      await cancelTrial();
      await failures(h, 1);
      expect(circuit(h)).toBe('open');
      // Open again: calls are refused at once.
      const err = await h.client.request({ cmd: 'ok' }, {}).catch((e: unknown) => e);
      expect((err as MessagingError).code).toBe('UNAVAILABLE');
      expect((err as Error).name).toBe('MessagingCircuitOpenError');
    });
  });

  /**
   * Streams (a handler that returns an Observable of several values): a call
   * succeeds when its stream completes, or when the caller unsubscribes after
   * at least one value; it fails when the stream fails, values or not (a
   * retryable failure counts against the breaker and the budget); it is
   * cancelled when the caller unsubscribes before the first value.
   */
  describe('streams', () => {
    it('a stream that completes is a success (lastValueFrom: the last value; request(): the last value)', async () => {
      h = await harness(server.port);
      await failures(h, 1);
      await expect(lastValueFrom(h.client.send({ cmd: 'stream' }, {}).pipe(toArray()))).resolves.toEqual([1, 2, 3]);
      await expect(h.client.request({ cmd: 'stream' }, {})).resolves.toBe(3);
      expect(tokens(h)).toBeCloseTo(MAX_TOKENS - 1 + 2 * RATIO, 10);
      expect(clientSpans(h).map(spanOutcome)).toEqual(['error', 'ok', 'ok']);
      expect(await callMetrics(h)).toEqual({ ok: 2, error: 1, cancelled: 0, errors: 1 });
    });

    it('unsubscribing after the first value, while the stream still runs, is a success', async () => {
      h = await harness(server.port);
      await failures(h, 4);
      await expect(firstValueFrom(h.client.send({ cmd: 'stream_slow' }, {}))).resolves.toBe(1);
      expect(tokens(h)).toBeCloseTo(MAX_TOKENS - 4 + RATIO, 10);
      await failures(h, 1);
      expect(circuit(h)).toBe('closed');
      expect(clientSpans(h).map(spanOutcome)).toEqual(['error', 'error', 'error', 'error', 'ok', 'error']);
      expect(await callMetrics(h)).toEqual({ ok: 1, error: 5, cancelled: 0, errors: 5 });
    });

    it('unsubscribing before the first value is a cancel', async () => {
      h = await harness(server.port);
      await failures(h, 4);
      const before = started.stream_late ?? 0;
      await expect(cancelBeforeReply(h.client.send({ cmd: 'stream_late' }, {}), () => (started.stream_late ?? 0) > before)).resolves.toEqual([]);
      expect(tokens(h)).toBe(MAX_TOKENS - 4);
      expect(circuit(h)).toBe('closed');
      await waitFor(() => clientSpans(h).length === 5, 2000, 'the cancelled call\'s span');
      expect(spanOutcome(clientSpans(h)[4]!)).toBe('cancelled');
      await failures(h, 1);
      expect(circuit(h)).toBe('open');
    });

    it('a stream that fails after a value is a failure (not retried: a value was already delivered)', async () => {
      h = await harness(server.port);
      const values: unknown[] = [];
      const err = await lastValueFrom(
        h.client.send({ cmd: 'stream_fails' }, {}, { idempotent: true, retry: { maxAttempts: 3 } }).pipe(tap((v) => values.push(v))),
      ).catch((e: unknown) => e);
      expect(values).toEqual([1]);
      expect(err).toBeInstanceOf(MessagingError);
      expect((err as MessagingError).code).toBe('UNAVAILABLE');
      expect(tokens(h)).toBe(MAX_TOKENS - 1);
      expect(clientSpans(h).map(spanOutcome)).toEqual(['error']);
      expect(await callMetrics(h)).toEqual({ ok: 0, error: 1, cancelled: 0, errors: 1 });
    });
  });
});
