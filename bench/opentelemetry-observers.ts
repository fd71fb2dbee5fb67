/*
 * CPU per observed call and per observed handled message of OpenTelemetryInstrumentation, in one process,
 * on the benchmark's SDK setup (bench/tracing.ts: spans and metrics recorded, exported nowhere), for the
 * messaging conventions (TCP) and the RPC conventions (gRPC). Not part of npm run bench:
 *
 *   node -r ./scripts/register.cjs bench/opentelemetry-observers.ts
 */
import 'reflect-metadata';
import type { CallInfo, HandlerInfo } from 'nestjs-messaging/extend';
import { benchInstrumentation } from './tracing';

const instrumentation = benchInstrumentation();

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
  console.log('| OpenTelemetryInstrumentation, CPU per observed message (median of 4 rounds) | µs |');
  console.log('|---|---:|');
  for (const [name] of cases) {
    const xs = [...results.get(name)!].sort((a, b) => a - b);
    console.log(`| ${name} | ${xs[xs.length >> 1]!.toFixed(2)} |`);
  }
}

void main();
