/*
 * OpenTelemetry for the benchmark's tracing rows: the real SDK (spans and metrics recorded, exported
 * nowhere), an AsyncLocalStorage context manager and the W3C propagators, as a NodeSDK setup would have.
 * - benchInstrumentation(): the library's OpenTelemetryInstrumentation on these providers;
 * - referenceTelemetry(): the same SDK used directly (one span + one histogram record per message),
 *   the reference that the library's instrumentation is compared with.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes, type Histogram, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';

const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};

let contextManager: AsyncLocalStorageContextManager | undefined;

function providers(): { tracerProvider: BasicTracerProvider; meterProvider: MeterProvider } {
  if (!contextManager) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    // As the Node SDK does: W3C trace context and baggage through the global propagator.
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  }
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dropAll)] });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  return { tracerProvider, meterProvider };
}

export function benchInstrumentation(): OpenTelemetryInstrumentation {
  return new OpenTelemetryInstrumentation(providers());
}

/** The SDK used directly: what an application would write by hand for one span and one duration per message. */
export class ReferenceTelemetry {
  private readonly tracer: Tracer;
  private readonly duration: Histogram;
  private readonly spanAttributes: Attributes;
  private readonly metricAttributes: Attributes;

  constructor(
    private readonly side: 'client' | 'server',
    private readonly destination: string,
  ) {
    const { tracerProvider, meterProvider } = providers();
    this.tracer = tracerProvider.getTracer('bench-reference');
    const operation = side === 'client' ? 'send' : 'process';
    this.duration = meterProvider
      .getMeter('bench-reference')
      .createHistogram(side === 'client' ? 'messaging.client.operation.duration' : 'messaging.process.duration', { unit: 's' });
    this.spanAttributes = {
      'messaging.system': 'tcp',
      'messaging.destination.name': destination,
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
    };
    this.metricAttributes = { 'messaging.system': 'tcp', 'messaging.destination.name': destination, 'messaging.operation.name': operation };
  }

  /**
   * Client: `fn` under a CLIENT span (child of the active context, not made active: the library's client
   * instrumentation does not make its span active either). Server: `fn` inside a SERVER span with a root
   * parent, made active (as the library runs handlers). The span ends, and the duration is recorded, when `fn` settles.
   */
  async traced<T>(fn: () => Promise<T> | T): Promise<T> {
    const client = this.side === 'client';
    const parent = client ? context.active() : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      `${client ? 'send' : 'process'} ${this.destination}`,
      { kind: client ? SpanKind.CLIENT : SpanKind.SERVER, attributes: this.spanAttributes },
      parent,
    );
    const started = performance.now();
    try {
      return await (client ? fn() : context.with(trace.setSpan(parent, span), fn));
    } finally {
      span.end();
      this.duration.record((performance.now() - started) / 1000, this.metricAttributes);
    }
  }
}
