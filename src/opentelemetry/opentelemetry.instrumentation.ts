import {
  context,
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type MeterProvider,
  type Span,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { MessagingError } from '../errors/messaging.errors';
import type {
  CallInfo,
  CallObserver,
  HandlerInfo,
  HandlerObserver,
  MessagingInstrumentation,
} from '../instrumentation/messaging-instrumentation';
import { attemptEvent, fail, MessagingCallObserver, MessagingHandlerObserver, retryEvent, withAttributes, type Instruments } from './messaging-observers';
import { clientStatusCode, isServerFault, rpcAttributes, serverStatusCode } from './rpc-attributes';

/** Options of {@link OpenTelemetryInstrumentation}. */
export interface OpenTelemetryInstrumentationOptions {
  /** Where spans go. @default the global tracer provider */
  tracerProvider?: TracerProvider;
  /** Where metrics go. @default the global meter provider */
  meterProvider?: MeterProvider;
  /** Record spans. @default true */
  tracing?: boolean;
  /** Record metrics. @default true */
  metrics?: boolean;
  /**
   * How the trace context (and baggage) travels in the message metadata.
   * @default the global propagator (`propagation` of `@opentelemetry/api`, which
   *   the OpenTelemetry Node SDK sets to W3C trace context and baggage; a B3,
   *   Jaeger or composite propagator the application registers is used as it is)
   */
  propagator?: TextMapPropagator;
}

const SCOPE = 'nestjs-messaging';

/**
 * Traces and measures every call and handled message, following the
 * OpenTelemetry messaging semantic conventions:
 * - a CLIENT span (`send <pattern>`) per request and a PRODUCER span
 *   (`publish <pattern>`) per event, with the call's budget
 *   (`nestjs_messaging.budget_ms`), an event per retry (the attempt that
 *   failed, its `error.type`, the backoff) and per attempt after the first
 *   (attempt number, budget left), and `error.type` on failure;
 * - the W3C trace context (`traceparent`, `tracestate`) in the message metadata;
 * - a SERVER span (`process <pattern>`) per handled request and a CONSUMER span
 *   per handled event, child of the sender's span, in whose context the handler runs;
 * - metrics: `messaging.client.operation.duration` and `messaging.process.duration`
 *   (seconds), and the counters `nestjs_messaging.client.retries`,
 *   `nestjs_messaging.client.timeouts` and `nestjs_messaging.client.errors`.
 *
 * Attributes: `messaging.system` (tcp, redis, nats, rabbitmq, mqtt),
 * `messaging.destination.name` (the pattern), `messaging.operation.type`,
 * `messaging.operation.name`, `messaging.message.id`,
 * `messaging.message.conversation_id` (the correlation id), `error.type` (the error code).
 *
 * gRPC calls and handlers follow the RPC conventions instead: CLIENT and
 * SERVER spans named `package.Service/Method` with `rpc.system` (`grpc`),
 * `rpc.service`, `rpc.method` and `rpc.grpc.status_code` (plus the message
 * and correlation ids), and the histograms `rpc.client.call.duration` and
 * `rpc.server.call.duration` (seconds) with the same attributes.
 *
 * @example
 * MessagingModule.forRoot({ clients: [...], instrumentation: [new OpenTelemetryInstrumentation()] })
 */
export class OpenTelemetryInstrumentation implements MessagingInstrumentation {
  private readonly tracer?: Tracer;
  private readonly instruments?: Instruments;
  private readonly propagator: Pick<TextMapPropagator, 'inject' | 'extract'>;

  constructor(options: OpenTelemetryInstrumentationOptions = {}) {
    this.propagator = options.propagator ?? globalPropagator;
    if (options.tracing !== false) {
      this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
    }
    if (options.metrics !== false) {
      const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
      this.instruments = {
        clientDuration: meter.createHistogram('messaging.client.operation.duration', {
          unit: 's',
          description: 'Duration of a messaging call (retries included)',
        }),
        processDuration: meter.createHistogram('messaging.process.duration', {
          unit: 's',
          description: 'Duration of handling a message',
        }),
        rpcClientDuration: meter.createHistogram('rpc.client.call.duration', { unit: 's', description: 'Duration of a gRPC call (retries included)' }),
        rpcServerDuration: meter.createHistogram('rpc.server.call.duration', { unit: 's', description: 'Duration of handling a gRPC call' }),
        retries: meter.createCounter('nestjs_messaging.client.retries', { description: 'Retries of messaging calls' }),
        timeouts: meter.createCounter('nestjs_messaging.client.timeouts', { description: 'Messaging calls that timed out' }),
        errors: meter.createCounter('nestjs_messaging.client.errors', { description: 'Messaging calls that failed' }),
      };
    }
  }

  startCall(info: CallInfo): CallObserver | undefined {
    if (info.system === 'grpc') return this.startRpcCall(info);
    const attributes: Attributes = {
      'messaging.system': info.system,
      'messaging.destination.name': info.destination,
      'messaging.operation.type': 'send',
      'messaging.operation.name': info.kind === 'event' ? 'publish' : 'send',
      'messaging.message.id': info.messageId,
      'messaging.message.conversation_id': info.correlationId,
      'nestjs_messaging.client': info.client,
    };
    if (info.budget !== false) attributes['nestjs_messaging.budget_ms'] = info.budget;
    const span = this.tracer?.startSpan(`${attributes['messaging.operation.name']} ${info.destination}`, {
      kind: info.kind === 'event' ? SpanKind.PRODUCER : SpanKind.CLIENT,
      attributes,
    });
    const metricAttributes: Attributes = {
      'messaging.system': info.system,
      'messaging.destination.name': info.destination,
      'messaging.operation.name': attributes['messaging.operation.name'],
      'nestjs_messaging.client': info.client,
    };
    return new MessagingCallObserver(span, span ? this.inject(span) : undefined, this.instruments, metricAttributes);
  }

  startHandler(info: HandlerInfo): HandlerObserver | undefined {
    if (info.system === 'grpc') return this.startRpcHandler(info);
    const parent = this.propagator.extract(ROOT_CONTEXT, info.headers, headerGetter);
    const span = this.tracer?.startSpan(
      `process ${info.destination}`,
      {
        kind: info.kind === 'event' ? SpanKind.CONSUMER : SpanKind.SERVER,
        attributes: {
          'messaging.system': info.system,
          'messaging.destination.name': info.destination,
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.message.id': info.metadata.messageId,
          'messaging.message.conversation_id': info.metadata.correlationId,
        },
      },
      parent,
    );
    return new MessagingHandlerObserver(span, span ? trace.setSpan(parent, span) : undefined, this.instruments, info);
  }

  /** The metadata that carries `span` (and the active baggage) to the peer, by the propagator. */
  private inject(span: Span): Record<string, string> {
    const headers: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(context.active(), span), headers, defaultTextMapSetter);
    return headers;
  }

  /** A gRPC call: a CLIENT span and duration by the RPC conventions. */
  private startRpcCall(info: CallInfo): CallObserver {
    const rpc = rpcAttributes(info.destination);
    const attributes = withAttributes(rpc, {
      'messaging.message.id': info.messageId,
      'messaging.message.conversation_id': info.correlationId,
      'nestjs_messaging.client': info.client,
    });
    if (info.budget !== false) attributes['nestjs_messaging.budget_ms'] = info.budget;
    const span = this.tracer?.startSpan(info.destination, { kind: SpanKind.CLIENT, attributes });
    const started = performance.now();
    const instruments = this.instruments;
    const metricAttributes = withAttributes(rpc, { 'nestjs_messaging.client': info.client });
    const record = (status: number, error?: MessagingError) => {
      span?.setAttribute('rpc.grpc.status_code', status);
      if (span && error) fail(span, error);
      span?.end();
      instruments?.rpcClientDuration.record((performance.now() - started) / 1000, withAttributes(metricAttributes, { 'rpc.grpc.status_code': status }));
    };
    return {
      headers: span ? this.inject(span) : undefined,
      attempt: (attempt, budgetLeft) => span && attempt > 1 && attemptEvent(span, attempt, budgetLeft),
      retry: (attempt, delay, error) => {
        span?.addEvent('messaging.retry', retryEvent(attempt, delay, error));
        instruments?.retries.add(1, metricAttributes);
      },
      cancel: () => record(1),
      end: (error) => {
        record(clientStatusCode(error), error);
        if (error && instruments) {
          const attrs = withAttributes(metricAttributes, { 'error.type': error.code });
          instruments.errors.add(1, attrs);
          if (error.code === 'DEADLINE_EXCEEDED') instruments.timeouts.add(1, attrs);
        }
      },
    };
  }

  /** A handled gRPC call: a SERVER span, child of the caller's, and duration by the RPC conventions. */
  private startRpcHandler(info: HandlerInfo): HandlerObserver {
    const parent = this.propagator.extract(ROOT_CONTEXT, info.headers, headerGetter);
    const rpc = rpcAttributes(info.destination);
    const span = this.tracer?.startSpan(
      info.destination,
      {
        kind: SpanKind.SERVER,
        attributes: withAttributes(rpc, { 'messaging.message.id': info.metadata.messageId, 'messaging.message.conversation_id': info.metadata.correlationId }),
      },
      parent,
    );
    const ctx = span ? trace.setSpan(parent, span) : undefined;
    const started = performance.now();
    const instruments = this.instruments;
    return {
      run: <T>(fn: () => T): T => (ctx ? context.with(ctx, fn) : fn()),
      end: (error?: unknown) => {
        const status = serverStatusCode(error);
        if (span) {
          span.setAttribute('rpc.grpc.status_code', status);
          // The conventions mark a server span failed only for the codes that are the server's fault.
          if (error !== undefined && isServerFault(status)) fail(span, error);
          span.end();
        }
        instruments?.rpcServerDuration.record((performance.now() - started) / 1000, withAttributes(rpc, { 'rpc.grpc.status_code': status }));
      },
    };
  }
}

/** The global propagator, looked up at each use (the application may register one after building the instrumentation). */
const globalPropagator: Pick<TextMapPropagator, 'inject' | 'extract'> = {
  inject: (ctx, carrier, setter) => propagation.inject(ctx, carrier, setter),
  extract: (ctx, carrier, getter) => propagation.extract(ctx, carrier, getter),
};

const defaultTextMapSetter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

/** Reads the message's metadata map (keys in lower case, as propagators ask for them). */
const headerGetter = {
  keys: (carrier: Readonly<Record<string, string>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, string>>, key: string) => carrier[key.toLowerCase()],
};
