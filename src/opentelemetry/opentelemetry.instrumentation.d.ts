import { type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { CallInfo, CallObserver, HandlerInfo, HandlerObserver, MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
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
}
/**
 * Traces and measures every call and handled message, following the
 * OpenTelemetry messaging semantic conventions:
 * - a CLIENT span (`send <pattern>`) per request and a PRODUCER span
 *   (`publish <pattern>`) per event, with an event per attempt and per retry
 *   (attempt number, budget left, backoff), and `error.type` on failure;
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
 * @example
 * MessagingModule.forRoot({ clients: [...], instrumentation: [new OpenTelemetryInstrumentation()] })
 */
export declare class OpenTelemetryInstrumentation implements MessagingInstrumentation {
    private readonly tracer?;
    private readonly instruments?;
    constructor(options?: OpenTelemetryInstrumentationOptions);
    startCall(info: CallInfo): CallObserver | undefined;
    startHandler(info: HandlerInfo): HandlerObserver | undefined;
}
