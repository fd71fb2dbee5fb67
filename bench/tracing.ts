/* OpenTelemetry for the benchmark's tracing row: the real SDK, spans and metrics recorded, exported nowhere. */
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';

const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};

export function benchInstrumentation(): OpenTelemetryInstrumentation {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dropAll)] });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  return new OpenTelemetryInstrumentation({ tracerProvider, meterProvider });
}
