"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
var OpenTelemetryHttpModule_1;
Object.defineProperty(exports, "__esModule", { value: true });
exports.OpenTelemetryHttpModule = exports.OpenTelemetryHttpMiddleware = exports.OPENTELEMETRY_HTTP_OPTIONS = void 0;
const common_1 = require("@nestjs/common");
const api_1 = require("@opentelemetry/api");
const trace_context_1 = require("./trace-context");
/** Injection token of the {@link OpenTelemetryHttpOptions}. @internal */
exports.OPENTELEMETRY_HTTP_OPTIONS = Symbol('nestjs-messaging:opentelemetry-http-options');
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
let OpenTelemetryHttpMiddleware = class OpenTelemetryHttpMiddleware {
    tracer;
    constructor(options) {
        this.tracer = (options?.tracerProvider ?? api_1.trace.getTracerProvider()).getTracer('nestjs-messaging');
    }
    /** Starts the SERVER span and runs the rest of the request in its context. */
    use(req, res, next) {
        if (api_1.trace.getSpan(api_1.context.active()))
            return next();
        const method = (req.method ?? 'GET').toUpperCase();
        // Express strips a mount path from req.url; originalUrl keeps it.
        const url = req.originalUrl;
        const path = (typeof url === 'string' ? url : (req.url ?? '/')).split('?')[0];
        const parent = (0, trace_context_1.remoteContext)(req.headers.traceparent, req.headers.tracestate);
        const span = this.tracer.startSpan(method, { kind: api_1.SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
        let ended = false;
        const end = () => {
            if (ended)
                return;
            ended = true;
            const route = routeOf(req);
            if (route) {
                span.updateName(`${method} ${route}`);
                span.setAttribute('http.route', route);
            }
            span.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500)
                span.setStatus({ code: api_1.SpanStatusCode.ERROR });
            span.end();
        };
        res.once('finish', end);
        res.once('close', end);
        api_1.context.with(api_1.trace.setSpan(parent, span), () => next());
    }
};
exports.OpenTelemetryHttpMiddleware = OpenTelemetryHttpMiddleware;
exports.OpenTelemetryHttpMiddleware = OpenTelemetryHttpMiddleware = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Optional)()),
    __param(0, (0, common_1.Inject)(exports.OPENTELEMETRY_HTTP_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], OpenTelemetryHttpMiddleware);
/** The matched route template, when the adapter sets it on the request (Express: `req.baseUrl` + `req.route.path`). */
function routeOf(req) {
    const { route, baseUrl } = req;
    if (typeof route?.path !== 'string')
        return undefined;
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
let OpenTelemetryHttpModule = OpenTelemetryHttpModule_1 = class OpenTelemetryHttpModule {
    /** Registers the middleware for all routes. */
    static forRoot(options = {}) {
        return {
            module: OpenTelemetryHttpModule_1,
            providers: [{ provide: exports.OPENTELEMETRY_HTTP_OPTIONS, useValue: options }, OpenTelemetryHttpMiddleware],
            exports: [OpenTelemetryHttpMiddleware],
        };
    }
    /** @internal Applied by Nest. */
    configure(consumer) {
        consumer.apply(OpenTelemetryHttpMiddleware).forRoutes('*');
    }
};
exports.OpenTelemetryHttpModule = OpenTelemetryHttpModule;
exports.OpenTelemetryHttpModule = OpenTelemetryHttpModule = OpenTelemetryHttpModule_1 = __decorate([
    (0, common_1.Module)({})
], OpenTelemetryHttpModule);
