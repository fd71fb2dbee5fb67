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
Object.defineProperty(exports, "__esModule", { value: true });
exports.CorrelationIdMiddleware = void 0;
const common_1 = require("@nestjs/common");
const message_context_1 = require("../metadata/message-context");
const message_metadata_1 = require("../metadata/message-metadata");
const correlation_id_options_1 = require("./correlation-id.options");
const traceparent_1 = require("./traceparent");
const WHOLE_MS = /^[0-9]{1,10}$/;
/**
 * Opens the message context of each HTTP request, so that every call and
 * event sent while serving it (from guards, interceptors, controllers and
 * services, even after `await`s) carries one correlation id, and, with
 * `requestTimeout`, has at most the request's time budget.
 *
 * The correlation id is the first valid one of: `correlationIdFrom(req)` (e.g.
 * nestjs-cls's request id), the request header (`x-correlation-id` unless
 * configured), the trace id of a valid W3C `traceparent` header (with
 * `correlationIdFromTraceparent: true`), or a new id. A valid id is at most
 * 128 characters of `A-Z a-z 0-9 . _ : -`; an invalid value is dropped
 * without being logged. The id is echoed in the same header of the response.
 *
 * Nest middleware runs before guards, on the Express and the Fastify adapters.
 * Register it with {@link MessagingHttpModule} (all routes), or apply it
 * yourself with `consumer.apply(CorrelationIdMiddleware).forRoutes(...)`.
 */
let CorrelationIdMiddleware = class CorrelationIdMiddleware {
    options;
    constructor(options) {
        this.options = options ?? (0, correlation_id_options_1.resolveCorrelationIdOptions)();
    }
    /** Reads or makes the correlation id, echoes it, and runs the rest of the request in its context. */
    use(req, res, next) {
        const correlationId = this.correlationIdOf(req);
        if (!res.headersSent)
            res.setHeader(this.options.header, correlationId);
        (0, message_context_1.runWithMessageContext)({ correlationId, timeout: this.budgetOf(req) }, () => next());
    }
    correlationIdOf(req) {
        const { correlationIdFrom, header, correlationIdFromTraceparent } = this.options;
        if (correlationIdFrom) {
            let fromOption;
            try {
                fromOption = correlationIdFrom(req);
            }
            catch {
                fromOption = undefined; // a failing source must not fail the request
            }
            if ((0, message_metadata_1.isValidId)(fromOption))
                return fromOption;
        }
        const received = req.headers[header];
        if ((0, message_metadata_1.isValidId)(received))
            return received;
        if (correlationIdFromTraceparent) {
            const parent = (0, traceparent_1.parseTraceparent)(req.headers.traceparent);
            if (parent)
                return parent.traceId;
        }
        return (0, message_metadata_1.newId)();
    }
    /** The request's budget in ms: the header's value (lowered to `max`) when valid, else the default. */
    budgetOf(req) {
        const rt = this.options.requestTimeout;
        if (!rt)
            return undefined;
        const raw = rt.header === undefined ? undefined : req.headers[rt.header];
        if (typeof raw === 'string' && WHOLE_MS.test(raw)) {
            const asked = Number(raw);
            if (asked > 0)
                return Math.min(asked, rt.max);
        }
        return rt.default;
    }
};
exports.CorrelationIdMiddleware = CorrelationIdMiddleware;
exports.CorrelationIdMiddleware = CorrelationIdMiddleware = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Optional)()),
    __param(0, (0, common_1.Inject)(correlation_id_options_1.CORRELATION_ID_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], CorrelationIdMiddleware);
