import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, type MiddlewareConsumer, type NestMiddleware, type NestModule } from '@nestjs/common';
import { type TracerProvider } from '@opentelemetry/api';
/** Options of {@link OpenTelemetryHttpMiddleware} and {@link OpenTelemetryHttpModule}. */
export interface OpenTelemetryHttpOptions {
    /** Where the HTTP spans go. @default the global tracer provider */
    tracerProvider?: TracerProvider;
}
/** Injection token of the {@link OpenTelemetryHttpOptions}. @internal */
export declare const OPENTELEMETRY_HTTP_OPTIONS: unique symbol;
/**
 * Continues the caller's trace at the HTTP entry, for apps that run no
 * OpenTelemetry HTTP instrumentation (`@opentelemetry/instrumentation-http`):
 * it reads the W3C `traceparent` / `tracestate` request headers and runs the
 * rest of the request inside an HTTP SERVER span, child of the caller's span
 * (or the root of a new trace when the header is absent or invalid). Every
 * call and event made while serving the request is then a child of that span.
 *
 * The span is named after the method (`GET`), or method and route
 * (`GET /users/:id`) when the adapter tells the route (Express), and has
 * `http.request.method`, `url.path`, `http.route` and
 * `http.response.status_code`; a 5xx response marks it as an error.
 *
 * When a span is already active (an HTTP instrumentation made it), it does
 * nothing: that span is the parent already.
 *
 * @example
 * // with MessagingHttpModule and OpenTelemetryInstrumentation:
 * imports: [OpenTelemetryHttpModule.forRoot(), MessagingHttpModule.forRoot(), MessagingModule.forRoot({ ... })]
 */
export declare class OpenTelemetryHttpMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
    private readonly tracer;
    constructor(options?: OpenTelemetryHttpOptions);
    /** Starts the SERVER span and runs the rest of the request in its context. */
    use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
}
/**
 * Applies {@link OpenTelemetryHttpMiddleware} to every route. Import it
 * before `MessagingHttpModule` so the span covers the whole request.
 *
 * @example
 * @Module({ imports: [OpenTelemetryHttpModule.forRoot({ tracerProvider }), MessagingHttpModule.forRoot()] })
 * export class AppModule {}
 */
export declare class OpenTelemetryHttpModule implements NestModule {
    /** Registers the middleware for all routes. */
    static forRoot(options?: OpenTelemetryHttpOptions): DynamicModule;
    /** @internal Applied by Nest. */
    configure(consumer: MiddlewareConsumer): void;
}
