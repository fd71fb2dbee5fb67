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

/** Fresh SDK providers on the benchmark's setup (the global context manager and propagator set once). */
export function sdkProviders(): { tracerProvider: BasicTracerProvider; meterProvider: MeterProvider } {
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
  return new OpenTelemetryInstrumentation(sdkProviders());
}

/**
 * The SDK used directly: what an application would write by hand for one span and one duration per message.
 * `minimal`: 4 span attributes, 3 metric attributes, no propagation. `library` (client side only): the
 * same telemetry as the library's client instrumentation, made with the SDK: its 8 span attributes (message
 * and correlation ids, client name, budget), its 4 metric attributes, and the trace context injected into a
 * carrier with the global propagator (what the library puts in the metadata), so that the difference to the
 * library is the library's own code.
 */
export class ReferenceTelemetry {
  private readonly tracer: Tracer;
  private readonly duration: Histogram;
  private readonly spanAttributes: Attributes;
  private readonly metricAttributes: Attributes;

  constructor(
    private readonly side: 'client' | 'server',
    private readonly destination: string,
    private readonly mode: 'minimal' | 'library' = 'minimal',
  ) {
    if (mode === 'library' && side !== 'client') throw new Error("ReferenceTelemetry: the 'library' mode is the client side's");
    const { tracerProvider, meterProvider } = sdkProviders();
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
    if (mode === 'library') this.metricAttributes['nestjs_messaging.client'] = 'bench';
  }

  private seq = 0;

  /** The span attributes of one message (`library` mode: per-message ids as the library's span has). */
  private attributesOfMessage(): Attributes {
    if (this.mode === 'minimal') return this.spanAttributes;
    const id = `bench-reference-message-${++this.seq}`;
    // An object literal, as the library builds its attributes (a spread of spanAttributes made a slower object: +8 µs in the SDK).
    return {
      'messaging.system': 'tcp',
      'messaging.destination.name': this.destination,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': id,
      'messaging.message.conversation_id': id,
      'nestjs_messaging.client': 'bench',
      'nestjs_messaging.budget_ms': 5000,
    };
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
      { kind: client ? SpanKind.CLIENT : SpanKind.SERVER, attributes: this.attributesOfMessage() },
      parent,
    );
    if (this.mode === 'library') propagation.inject(trace.setSpan(parent, span), {});
    const started = performance.now();
    try {
      return await (client ? fn() : context.with(trace.setSpan(parent, span), fn));
    } finally {
      span.end();
      this.duration.record((performance.now() - started) / 1000, this.metricAttributes);
    }
  }
}
