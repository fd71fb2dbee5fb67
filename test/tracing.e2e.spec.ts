import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type HistogramMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AddressInfo, Server } from 'node:net';
import { lastValueFrom, NEVER } from 'rxjs';
import {
  EventHandler,
  MessageHandler,
  MessagingClient,
  MessagingClientSerializer,
  MessagingHttpModule,
  MessagingModule,
  MessagingError,
  MessagingErrorCode,
  messagingMicroservice,
  runWithMessageContext,
} from 'nestjs-messaging';
import { OpenTelemetryHttpModule, OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';
import { nestMajor, startTcpServer, waitFor } from './support/nest';
import { FaultyTcpProxy } from './support/tcp-proxy';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
// What the OpenTelemetry Node SDK registers by default: W3C trace context and baggage.
propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const otel = new OpenTelemetryInstrumentation({ tracerProvider, meterProvider });
const CALLER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';
const instrumentationTracer = tracerProvider.getTracer('stand-in-for-instrumentation-http');

@Injectable()
class Links {
  self!: MessagingClient;
}

let eventsHandled = 0;

@Controller()
class ChainController {
  constructor(private readonly links: Links) {}

  @Get('chain')
  chain() {
    return this.links.self.request({ cmd: 'b' }, {});
  }

  @MessageHandler({ cmd: 'b' })
  b() {
    return this.links.self.request({ cmd: 'c' }, {});
  }

  @MessageHandler({ cmd: 'c' })
  async c() {
    await lastValueFrom(this.links.self.emit({ event: 'done' }, { ok: true }));
    return 'chain done';
  }

  @EventHandler({ event: 'done' })
  done() {
    eventsHandled++;
  }

  @MessageHandler({ cmd: 'hang' })
  hang() {
    return NEVER;
  }

  /** The baggage the handler's context holds (propagated by the global propagator). */
  @MessageHandler({ cmd: 'baggage' })
  baggage() {
    return Object.fromEntries((propagation.getBaggage(context.active())?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));
  }
}

describe(`OpenTelemetry tracing and metrics (Nest ${nestMajor})`, () => {
  let app: INestApplication;
  let url: string;
  let port: number;

  beforeAll(async () => {
    @Module({
      // #region otel-http
      imports: [
        OpenTelemetryHttpModule.forRoot({ tracerProvider }), // continues the caller's traceparent: an HTTP SERVER span
        MessagingHttpModule.forRoot(),
        MessagingModule.forRoot({ clients: [], instrumentation: [otel] }),
      ],
      // #endregion otel-http
      controllers: [ChainController],
      providers: [Links],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    // Stands in for @opentelemetry/instrumentation-http on requests that ask for it: its span is then active
    // before the library's HTTP middleware, which must not start a second one.
    app.use((req: { headers: Record<string, unknown> }, res: { on(e: string, f: () => void): void }, next: () => void) => {
      if (req.headers['x-test-instrumented'] !== '1') return next();
      const span = instrumentationTracer.startSpan('instrumented GET', { kind: SpanKind.SERVER });
      res.on('finish', () => span.end());
      context.with(trace.setSpan(context.active(), span), next);
    });
    const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } }, { instrumentation: [otel] });
    app.connectMicroservice(strategy);
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    port = ((strategy.strategy as unknown as { unwrap<T>(): T }).unwrap<Server>().address() as AddressInfo).port;
    app.get(Links).self = MessagingClient.wrap(
      ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port, serializer: new MessagingClientSerializer() },
      }),
      'self',
      { timeout: 3000 },
      { instrumentation: [otel] },
    );
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.get(Links).self.close();
    await app.get(Links).self.proxy.close();
    await app.close();
    contextManager.disable();
  });

  it('gives one HTTP request (with a traceparent) -> RPC -> RPC -> event one trace of correctly parented spans', async () => {
    exporter.reset();
    const res = await fetch(`${url}/chain`, {
      headers: { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`, tracestate: 'vendor=abc' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('chain done');
    await waitFor(() => eventsHandled === 1 && exporter.getFinishedSpans().length >= 7, 5000, 'all spans');
    const spans = exporter.getFinishedSpans();
    const byName = (name: string): ReadableSpan => {
      const found = spans.filter((s) => s.name === name);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    const http = byName('GET /chain');
    const sendB = byName('send {"cmd":"b"}');
    const processB = byName('process {"cmd":"b"}');
    const sendC = byName('send {"cmd":"c"}');
    const processC = byName('process {"cmd":"c"}');
    const publish = byName('publish {"event":"done"}');
    const consume = byName('process {"event":"done"}');
    const traceId = http.spanContext().traceId;
    // the HTTP entry continues the caller's trace
    expect(traceId).toBe(CALLER_TRACE_ID);
    expect(http.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    expect(http.parentSpanContext?.isRemote).toBe(true);
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/chain',
      'url.path': '/chain',
      'http.response.status_code': 200,
    });
    expect(http.spanContext().traceState?.get('vendor')).toBe('abc');
    for (const s of [sendB, processB, sendC, processC, publish, consume]) expect(s.spanContext().traceId).toBe(traceId);
    const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
    expect(parentOf(sendB)).toBe(http.spanContext().spanId);
    expect(parentOf(processB)).toBe(sendB.spanContext().spanId);
    expect(parentOf(sendC)).toBe(processB.spanContext().spanId);
    expect(parentOf(processC)).toBe(sendC.spanContext().spanId);
    expect(parentOf(publish)).toBe(processC.spanContext().spanId);
    expect(parentOf(consume)).toBe(publish.spanContext().spanId);

    expect(sendB.kind).toBe(SpanKind.CLIENT);
    expect(processB.kind).toBe(SpanKind.SERVER);
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(consume.kind).toBe(SpanKind.CONSUMER);
    expect(sendB.attributes).toMatchObject({
      'messaging.system': 'tcp',
      'messaging.destination.name': '{"cmd":"b"}',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'nestjs_messaging.client': 'self',
    });
    expect(sendB.attributes['messaging.message.id']).toBe(processB.attributes['messaging.message.id']);
    const correlation = sendB.attributes['messaging.message.conversation_id'];
    expect(typeof correlation).toBe('string');
    for (const s of [processB, sendC, processC, publish, consume]) {
      expect(s.attributes['messaging.message.conversation_id']).toBe(correlation);
    }
    expect(processB.attributes).toMatchObject({ 'messaging.operation.type': 'process' });
    // A call answered at its first attempt: the span is the attempt (no event), with the call's budget.
    expect(sendB.events).toEqual([]);
    expect(sendB.attributes['nestjs_messaging.budget_ms']).toEqual(expect.any(Number));
  });

  it('carries baggage to the handler with the global propagator', async () => {
    const bag = propagation.createBaggage({ tenant: { value: 'acme' }, plan: { value: 'gold' } });
    const seen = await context.with(propagation.setBaggage(context.active(), bag), () =>
      app.get(Links).self.request<Record<string, string>>({ cmd: 'baggage' }, {}),
    );
    expect(seen).toEqual({ tenant: 'acme', plan: 'gold' });
  });

  it('uses the propagator it is given (a custom format on the wire), on both sides', async () => {
    const carried: string[] = [];
    const custom: TextMapPropagator = {
      inject(ctx, carrier, setter) {
        const sc = trace.getSpanContext(ctx);
        if (sc) setter.set(carrier, 'x-custom-trace', `${sc.traceId}:${sc.spanId}`);
      },
      extract(ctx, carrier, getter) {
        const raw = getter.get(carrier, 'x-custom-trace');
        const value = Array.isArray(raw) ? raw[0] : raw;
        if (typeof value !== 'string') return ctx;
        carried.push(value);
        const [traceId, spanId] = value.split(':');
        return trace.setSpanContext(ctx, { traceId: traceId!, spanId: spanId!, traceFlags: 1, isRemote: true });
      },
      fields: () => ['x-custom-trace'],
    };
    const own = new OpenTelemetryInstrumentation({ tracerProvider, meterProvider, propagator: custom });
    const server = await startTcpServer([ChainController], { providers: [Links], server: { instrumentation: [own] } });
    const client = MessagingClient.wrap(
      ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: server.port, serializer: new MessagingClientSerializer() } }),
      'custom',
      { timeout: 3000 },
      { instrumentation: [own] },
    );
    try {
      exporter.reset();
      await client.request({ cmd: 'baggage' }, {});
      await waitFor(() => exporter.getFinishedSpans().length >= 2, 3000, 'both spans');
      const spans = exporter.getFinishedSpans();
      const send = spans.find((x) => x.name === 'send {"cmd":"baggage"}')!;
      const handled = spans.find((x) => x.name === 'process {"cmd":"baggage"}')!;
      expect(carried).toEqual([`${send.spanContext().traceId}:${send.spanContext().spanId}`]);
      expect(handled.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
      expect(handled.spanContext().traceId).toBe(send.spanContext().traceId);
    } finally {
      await client.close();
      await client.proxy.close();
      await server.close();
    }
  });

  it('leaves the HTTP span to an HTTP instrumentation when one is active', async () => {
    exporter.reset();
    const res = await fetch(`${url}/chain`, { headers: { 'x-test-instrumented': '1' } });
    expect(res.status).toBe(200);
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === 'instrumented GET'), 5000, 'the HTTP span');
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.kind === SpanKind.SERVER && s.name.startsWith('GET'))).toEqual([]);
    const http = spans.find((s) => s.name === 'instrumented GET')!;
    const sendB = spans.find((s) => s.name === 'send {"cmd":"b"}')!;
    expect(sendB.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
  });

  it('records failures, retries and timeouts on the span and in metrics', async () => {
    exporter.reset();
    const client = app.get(Links).self;
    const err = await runWithMessageContext({}, () =>
      client.request({ cmd: 'hang' }, {}, { timeout: 200 }).catch((e: unknown) => e),
    );
    // The budget travels: the client's own timer and the server's DEADLINE_EXCEEDED answer race (on a busy
    // machine either wins). Both end the call with the same code, which is what the span and metrics record.
    expect(err).toBeInstanceOf(MessagingError);
    expect((err as MessagingError).code).toBe(MessagingErrorCode.DEADLINE_EXCEEDED);
    const last = (err as MessagingError).timeline?.at(-1);
    expect(last?.event === 'timeout' || (last?.event === 'failed' && last.code === MessagingErrorCode.DEADLINE_EXCEEDED)).toBe(true);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'send {"cmd":"hang"}')!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('DEADLINE_EXCEEDED');

    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const duration = all.find((m) => m.descriptor.name === 'messaging.client.operation.duration') as HistogramMetricData;
    expect(duration.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBeGreaterThanOrEqual(4);
    const timeouts = all.find((m) => m.descriptor.name === 'nestjs_messaging.client.timeouts') as SumMetricData;
    expect(timeouts.dataPoints.find((p) => p.attributes['messaging.destination.name'] === '{"cmd":"hang"}')?.value).toBe(1);
    const processed = all.find((m) => m.descriptor.name === 'messaging.process.duration') as HistogramMetricData;
    expect(processed.dataPoints.length).toBeGreaterThan(0);
  });

  it('shows each attempt and retry, with the backoff and the budget left, on the span', async () => {
    exporter.reset();
    const proxy = new FaultyTcpProxy(port, 1);
    const proxyPort = await proxy.start();
    const flaky = MessagingClient.wrap(
      ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: proxyPort, serializer: new MessagingClientSerializer() },
      }),
      'flaky',
      { timeout: 3000, idempotent: true, retry: { baseDelay: 10, maxDelay: 20 } },
      { instrumentation: [otel] },
    );
    try {
      expect(await flaky.request({ cmd: 'c' }, {})).toBe('chain done');
      const span = exporter.getFinishedSpans().find((s) => s.name === 'send {"cmd":"c"}' && s.attributes['nestjs_messaging.client'] === 'flaky')!;
      expect(span.attributes['nestjs_messaging.budget_ms']).toBe(3000);
      expect(span.events.map((e) => e.name)).toEqual(['messaging.retry', 'messaging.attempt']);
      expect(span.events[0]!.attributes).toMatchObject({ 'messaging.attempt': 1, 'error.type': 'UNAVAILABLE' });
      expect(span.events[0]!.attributes!['nestjs_messaging.backoff_ms']).toBeLessThan(10);
      expect(span.events[1]!.attributes).toMatchObject({ 'messaging.attempt': 2 });
      expect(span.events[1]!.attributes!['nestjs_messaging.budget_left_ms']).toBeGreaterThan(2500);
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
      const { resourceMetrics } = await reader.collect();
      const retries = resourceMetrics.scopeMetrics
        .flatMap((m) => m.metrics)
        .find((m) => m.descriptor.name === 'nestjs_messaging.client.retries') as SumMetricData;
      expect(retries.dataPoints.find((p) => p.attributes['nestjs_messaging.client'] === 'flaky')?.value).toBe(1);
    } finally {
      await flaky.close();
      await flaky.proxy.close();
      await proxy.stop();
    }
  });
});
