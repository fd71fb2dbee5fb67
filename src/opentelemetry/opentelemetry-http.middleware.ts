import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';

/** Options of {@link OpenTelemetryHttpMiddleware} and {@link OpenTelemetryHttpModule}. */
export interface OpenTelemetryHttpOptions {
  /** Where the HTTP spans go. @default the global tracer provider */
  tracerProvider?: TracerProvider;
}

/** Injection token of the {@link OpenTelemetryHttpOptions}. @internal */
export const OPENTELEMETRY_HTTP_OPTIONS = Symbol('nestjs-messaging:opentelemetry-http-options');

/**
 * Continues the caller's trace at the HTTP entry, for apps that run no
 * OpenTelemetry HTTP instrumentation (`@opentelemetry/instrumentation-http`):
 * it reads the caller's trace context from the request headers with the
 * global propagator (W3C `traceparent` / `tracestate` and baggage with the
 * Node SDK's default; B3, Jaeger... if the app registers one) and runs the
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
@Injectable()
export class OpenTelemetryHttpMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  private readonly tracer: Tracer;

  constructor(@Optional() @Inject(OPENTELEMETRY_HTTP_OPTIONS) options?: OpenTelemetryHttpOptions) {
    this.tracer = (options?.tracerProvider ?? trace.getTracerProvider()).getTracer('nestjs-messaging');
  }

  /** Starts the SERVER span and runs the rest of the request in its context. */
  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    if (trace.getSpan(context.active())) return next();
    const method = (req.method ?? 'GET').toUpperCase();
    // Express strips a mount path from req.url; originalUrl keeps it.
    const url = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
    const path = (typeof url === 'string' ? url : (req.url ?? '/')).split('?')[0]!;
    // The caller's trace context (and baggage), by the application's propagator.
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = this.tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      if (route) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), () => next());
  }
}

/** The matched route template, when the adapter sets it on the request (Express: `req.baseUrl` + `req.route.path`). */
function routeOf(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };
  if (typeof route?.path !== 'string') return undefined;
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${route.path}`;
}

/**
 * Applies {@link OpenTelemetryHttpMiddleware} to every route. Import it
 * before `MessagingHttpModule` so the span covers the whole request.
 *
 * @example
 * @Module({ imports: [OpenTelemetryHttpModule.forRoot({ tracerProvider }), MessagingHttpModule.forRoot()] })
 * export class AppModule {}
 */
@Module({})
export class OpenTelemetryHttpModule implements NestModule {
  /** Registers the middleware for all routes. */
  static forRoot(options: OpenTelemetryHttpOptions = {}): DynamicModule {
    return {
      module: OpenTelemetryHttpModule,
      providers: [{ provide: OPENTELEMETRY_HTTP_OPTIONS, useValue: options }, OpenTelemetryHttpMiddleware],
      exports: [OpenTelemetryHttpMiddleware],
    };
  }

  /** Applied by Nest. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OpenTelemetryHttpMiddleware).forRoutes('*');
  }
}
