/*
 * CPU per observed call and per observed handled message of OpenTelemetryInstrumentation, in one process,
 * on the benchmark's SDK setup (bench/tracing.ts: spans and metrics recorded, exported nowhere), for the
 * messaging conventions (TCP) and the RPC conventions (gRPC); beside them, the SDK used directly for the same
 * client telemetry (span with the library's 8 attributes, injection, histogram record with its 4), once with
 * the attributes as an object literal and once built by a spread with keys added after it (what the library's
 * gRPC observers did before `withAttributes`). Not part of npm run bench:
 *
 *   node -r ./scripts/register.cjs bench/opentelemetry-observers.ts
 */
import 'reflect-metadata';
import { context, propagation, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import type { CallInfo, HandlerInfo } from 'nestjs-messaging/extend';
import { benchInstrumentation, sdkProviders } from './tracing';

const instrumentation = benchInstrumentation();
const { tracerProvider, meterProvider } = sdkProviders();
const tracer = tracerProvider.getTracer('bench-reference');
const histogram = meterProvider.getMeter('bench-reference').createHistogram('messaging.client.operation.duration', { unit: 's' });
const BASE: Attributes = {
  'messaging.system': 'tcp',
  'messaging.destination.name': '{"cmd":"echo"}',
  'messaging.operation.type': 'send',
  'messaging.operation.name': 'send',
};
const METRIC: Attributes = { 'messaging.system': 'tcp', 'messaging.destination.name': '{"cmd":"echo"}', 'messaging.operation.name': 'send', 'nestjs_messaging.client': 'bench' };

/** The client telemetry of one call made with the SDK directly, its span attributes from `attributes()`. */
function sdkCall(attributes: () => Attributes): void {
  const parent = context.active();
  const span = tracer.startSpan('send {"cmd":"echo"}', { kind: SpanKind.CLIENT, attributes: attributes() }, parent);
  propagation.inject(trace.setSpan(parent, span), {});
  const started = performance.now();
  span.end();
  histogram.record((performance.now() - started) / 1000, METRIC);
}

const literal = (): Attributes => ({
  'messaging.system': 'tcp',
  'messaging.destination.name': '{"cmd":"echo"}',
  'messaging.operation.type': 'send',
  'messaging.operation.name': 'send',
  'messaging.message.id': 'dagBsBJH_DEWEJIdFroE3Q',
  'messaging.message.conversation_id': 'GZHJGVRzLj3jBzr4aVUMXQ',
  'nestjs_messaging.client': 'bench',
  'nestjs_messaging.budget_ms': 5000,
});
const spread = (): Attributes => ({
  ...BASE,
  'messaging.message.id': 'dagBsBJH_DEWEJIdFroE3Q',
  'messaging.message.conversation_id': 'GZHJGVRzLj3jBzr4aVUMXQ',
  'nestjs_messaging.client': 'bench',
  'nestjs_messaging.budget_ms': 5000,
});

function callInfo(system: 'tcp' | 'grpc'): CallInfo {
  return {
    system,
    destination: system === 'grpc' ? 'bench.Echo/Say' : '{"cmd":"echo"}',
    kind: 'request',
    messageId: 'dagBsBJH_DEWEJIdFroE3Q',
    correlationId: 'GZHJGVRzLj3jBzr4aVUMXQ',
    client: 'bench',
    budget: 5000,
  } as CallInfo;
}

function handlerInfo(system: 'tcp' | 'grpc'): HandlerInfo {
  return {
    system,
    destination: system === 'grpc' ? 'bench.Echo/Say' : '{"cmd":"echo"}',
    kind: 'request',
    headers: {},
    metadata: { messageId: 'dagBsBJH_DEWEJIdFroE3Q', correlationId: 'GZHJGVRzLj3jBzr4aVUMXQ' },
  } as unknown as HandlerInfo;
}

const cases: Array<[string, () => void]> = [
  ['call, messaging (tcp)', () => instrumentation.startCall(callInfo('tcp'))!.end()],
  ['call, rpc (grpc)', () => instrumentation.startCall(callInfo('grpc'))!.end()],
  ['handler, messaging (tcp)', () => instrumentation.startHandler(handlerInfo('tcp'))!.end()],
  ['handler, rpc (grpc)', () => instrumentation.startHandler(handlerInfo('grpc'))!.end()],
  ['SDK directly, the call telemetry of the messaging row, attributes as an object literal', () => sdkCall(literal)],
  ['SDK directly, the same, attributes built by a spread with keys added after it', () => sdkCall(spread)],
];

async function main(): Promise<void> {
  const n = 50_000;
  const results = new Map<string, number[]>();
  for (let round = 0; round < 5; round++) {
    for (const [name, fn] of cases) {
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        fn();
        // Lets the span processor's export promises settle, as they would between messages.
        if ((i & 255) === 0) await new Promise(setImmediate);
      }
      const cpu = process.cpuUsage(cpu0);
      if (round > 0) results.set(name, [...(results.get(name) ?? []), (cpu.user + cpu.system) / n]); // round 0 warms up
    }
  }
  console.log('| CPU per observed message (median of 4 rounds) | µs |');
  console.log('|---|---:|');
  for (const [name] of cases) {
    const xs = [...results.get(name)!].sort((a, b) => a - b);
    console.log(`| ${name} | ${xs[xs.length >> 1]!.toFixed(2)} |`);
  }
}

void main();
