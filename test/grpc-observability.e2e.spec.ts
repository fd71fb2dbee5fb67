import { Controller } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import {
  MessagingBulkheadRejectedError,
  MessagingCircuitOpenError,
  MessagingClients,
  MessagingError,
  MessagingErrorCode,
  MessagingModule,
  type MessagingErrorCode as Code,
} from 'nestjs-messaging';
import { GrpcHandler, MessagingGrpcClient } from 'nestjs-messaging/grpc';
import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';
import { MessagingHealthIndicator } from 'nestjs-messaging/terminus';
import { grpc, grpcOptions, plainGrpcClient, SERVICE, startGrpcServer, startRawServer, type EchoRequest, type EchoService, type RunningGrpc } from './support/grpc';
import { nestMajor, waitFor } from './support/nest';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
// What the OpenTelemetry Node SDK registers by default: W3C trace context and baggage.
propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const reader = new TestReader();
const otel = new OpenTelemetryInstrumentation({ tracerProvider, meterProvider: new MeterProvider({ readers: [reader] }) });

@Controller()
class Handlers {
  @GrpcHandler(SERVICE, 'Say')
  async say(request: EchoRequest): Promise<object> {
    if (request.failWith) throw new MessagingError('nope', request.failWith as Code, false);
    await new Promise((r) => setTimeout(r, request.waitMs ?? 0));
    return { text: request.text };
  }
}

describe(`gRPC tracing, health and resilience (Nest ${nestMajor})`, () => {
  let server: RunningGrpc;
  beforeAll(async () => {
    server = await startGrpcServer([Handlers], { server: { instrumentation: [otel] } });
  });
  afterAll(() => server?.close());

  it('traces calls and handlers with the RPC conventions (rpc.system, service, method, status code)', async () => {
    exporter.reset();
    const client = MessagingGrpcClient.wrap(plainGrpcClient(server.url), 'traced', { timeout: 3000 }, { instrumentation: [otel] });
    try {
      const echo = client.getService<EchoService>(SERVICE);
      await lastValueFrom(echo.say({ text: 'ok' }));
      await lastValueFrom(echo.say({ text: 'x', failWith: 'NOT_FOUND' })).catch(() => undefined);
      await lastValueFrom(echo.say({ text: 'x', failWith: 'INTERNAL' })).catch(() => undefined);
      await waitFor(() => exporter.getFinishedSpans().length >= 6, 5000, 'six spans');
    } finally {
      await client.close();
      (client.grpc as ReturnType<typeof plainGrpcClient>).close();
    }
    const spans = exporter.getFinishedSpans();
    const rpc = { 'rpc.system': 'grpc', 'rpc.service': 'messaging.test.Echo', 'rpc.method': 'Say' };
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(clients.map((s) => s.attributes['rpc.grpc.status_code'])).toEqual([0, 5, 13]);
    expect(servers.map((s) => s.attributes['rpc.grpc.status_code'])).toEqual([0, 5, 13]);
    for (const s of [...clients, ...servers]) {
      expect(s.name).toBe('messaging.test.Echo/Say');
      expect(s.attributes).toMatchObject(rpc);
    }
    clients.forEach((c, i) => {
      expect(servers[i]!.spanContext().traceId).toBe(c.spanContext().traceId);
      expect(servers[i]!.parentSpanContext?.spanId).toBe(c.spanContext().spanId);
    });
    // a client span fails on any status; a server span only on the server's faults (NOT_FOUND is not one)
    expect(clients.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR, SpanStatusCode.ERROR]);
    expect(servers.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET, SpanStatusCode.ERROR]);

    const metrics = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    for (const name of ['rpc.client.call.duration', 'rpc.server.call.duration']) {
      const histogram = metrics.find((m) => m.descriptor.name === name) as HistogramMetricData;
      const codes = histogram.dataPoints.map((p) => p.attributes['rpc.grpc.status_code']).sort();
      expect({ name, codes }).toEqual({ name, codes: [0, 13, 5] });
      expect(histogram.dataPoints[0]!.attributes).toMatchObject(rpc);
    }
  });

  it('the terminus indicator covers gRPC clients: up when the channel is ready, down when it is not', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule,
        MessagingModule.forRoot({
          clients: [
            { name: 'echo', ...grpcOptions(server.url), resilience: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfter: 60_000 } } },
            { name: 'gone', ...grpcOptions('127.0.0.1:1') },
          ],
        }),
      ],
      providers: [MessagingHealthIndicator],
    }).compile();
    await moduleRef.init();
    try {
      const indicator = moduleRef.get(MessagingHealthIndicator);
      const report = await moduleRef.get(HealthCheckService).check([() => indicator.isHealthy('echo')]);
      expect(report.info).toEqual({ echo: { status: 'up', circuit: 'closed', connected: true } });
      const down = await indicator.isHealthy('gone', { timeout: 300 });
      expect(down.gone).toMatchObject({ status: 'down', connected: false });
      expect(String(down.gone!.message)).toContain('not ready');
      expect(moduleRef.get(MessagingClients).getGrpc('echo')).toBeInstanceOf(MessagingGrpcClient);
    } finally {
      await moduleRef.close();
    }
  });

  it('feeds the circuit breaker (open after failures, then fails fast) and the bulkhead', async () => {
    let calls = 0;
    const down = await startRawServer({
      Say: (_call: unknown, cb: grpc.sendUnaryData<object>) => {
        calls++;
        cb({ code: grpc.status.UNAVAILABLE, details: 'down' });
      },
    });
    const breaking = MessagingGrpcClient.wrap(plainGrpcClient(down.url), 'breaking', { timeout: 2000 }, {
      resilience: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfter: 60_000 } },
    });
    const limited = MessagingGrpcClient.wrap(plainGrpcClient(server.url), 'limited', { timeout: 2000 }, { resilience: { bulkhead: { maxConcurrent: 1 } } });
    try {
      const echo = breaking.getService<EchoService>(SERVICE);
      for (let i = 0; i < 2; i++) await lastValueFrom(echo.say({})).catch(() => undefined);
      const open = await lastValueFrom(echo.say({})).catch((e: unknown) => e);
      expect(open).toBeInstanceOf(MessagingCircuitOpenError);
      expect(calls).toBe(2);
      expect(breaking.resilience!.snapshot().circuit).toBe('open');

      const slow = lastValueFrom(limited.getService<EchoService>(SERVICE).say({ text: 'slow', waitMs: 200 }));
      const rejected = await lastValueFrom(limited.getService<EchoService>(SERVICE).say({ text: 'second' })).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(MessagingBulkheadRejectedError);
      expect(rejected).toMatchObject({ code: MessagingErrorCode.RESOURCE_EXHAUSTED });
      expect(await slow).toMatchObject({ text: 'slow' });
    } finally {
      for (const c of [breaking, limited]) {
        await c.close();
        (c.grpc as ReturnType<typeof plainGrpcClient>).close();
      }
      await down.close();
    }
  });
});
