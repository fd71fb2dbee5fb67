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
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingHttpExceptionFilter = exports.HTTP_STATUS_BY_CODE = void 0;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const messaging_errors_1 = require("./messaging.errors");
/** The HTTP status of each error code, as {@link MessagingHttpExceptionFilter} maps it. */
exports.HTTP_STATUS_BY_CODE = Object.freeze({
    INVALID_ARGUMENT: common_1.HttpStatus.BAD_REQUEST,
    UNSUPPORTED_VERSION: common_1.HttpStatus.BAD_REQUEST,
    NOT_FOUND: common_1.HttpStatus.NOT_FOUND,
    ALREADY_EXISTS: common_1.HttpStatus.CONFLICT,
    PERMISSION_DENIED: common_1.HttpStatus.FORBIDDEN,
    UNAUTHENTICATED: common_1.HttpStatus.UNAUTHORIZED,
    FAILED_PRECONDITION: common_1.HttpStatus.PRECONDITION_FAILED,
    RESOURCE_EXHAUSTED: common_1.HttpStatus.TOO_MANY_REQUESTS,
    DEADLINE_EXCEEDED: common_1.HttpStatus.GATEWAY_TIMEOUT,
    UNAVAILABLE: common_1.HttpStatus.SERVICE_UNAVAILABLE,
    UNIMPLEMENTED: common_1.HttpStatus.NOT_IMPLEMENTED,
    CANCELLED: common_1.HttpStatus.SERVICE_UNAVAILABLE,
    INTERNAL: common_1.HttpStatus.INTERNAL_SERVER_ERROR,
    UNKNOWN: common_1.HttpStatus.BAD_GATEWAY,
});
/** Codes whose remote message is meant for the caller and may reach the HTTP client. */
const CALLER_FACING = new Set([
    'INVALID_ARGUMENT',
    'UNSUPPORTED_VERSION',
    'NOT_FOUND',
    'ALREADY_EXISTS',
    'PERMISSION_DENIED',
    'UNAUTHENTICATED',
    'FAILED_PRECONDITION',
]);
const GENERIC = {
    DEADLINE_EXCEEDED: 'An upstream service did not answer in time',
    UNAVAILABLE: 'An upstream service is unavailable',
    RESOURCE_EXHAUSTED: 'Too many requests',
    UNIMPLEMENTED: 'Not implemented',
    CANCELLED: 'The request was cancelled',
    UNKNOWN: 'An upstream service failed',
};
/**
 * Turns MessagingErrors that reach an HTTP route into proper HTTP responses:
 * INVALID_ARGUMENT -> 400, NOT_FOUND -> 404, DEADLINE_EXCEEDED -> 504,
 * UNAVAILABLE -> 503, ... (see {@link HTTP_STATUS_BY_CODE}). Works on the Express
 * and Fastify adapters. Internal names (patterns, clients) never reach the body.
 *
 * @example
 * app.useGlobalFilters(new MessagingHttpExceptionFilter(app.get(HttpAdapterHost)));
 */
let MessagingHttpExceptionFilter = class MessagingHttpExceptionFilter {
    adapterHost;
    constructor(adapterHost) {
        this.adapterHost = adapterHost;
    }
    catch(error, host) {
        if (host.getType() !== 'http')
            throw error;
        const statusCode = exports.HTTP_STATUS_BY_CODE[error.code] ?? common_1.HttpStatus.INTERNAL_SERVER_ERROR;
        const remote = error instanceof messaging_errors_1.MessagingRemoteError ? error.remote : undefined;
        const callerFacing = CALLER_FACING.has(error.code);
        const remoteMessage = remote?.message;
        const message = callerFacing
            ? typeof remoteMessage === 'string'
                ? remoteMessage
                : error.message
            : (GENERIC[error.code] ?? 'Internal server error');
        const details = callerFacing ? error.details : undefined;
        const body = {
            statusCode,
            code: error.code,
            message,
            ...(error.correlationId ? { correlationId: error.correlationId } : {}),
            ...(details !== undefined ? { details } : {}),
        };
        const ctx = host.switchToHttp();
        this.adapterHost.httpAdapter.reply(ctx.getResponse(), body, statusCode);
    }
};
exports.MessagingHttpExceptionFilter = MessagingHttpExceptionFilter;
exports.MessagingHttpExceptionFilter = MessagingHttpExceptionFilter = __decorate([
    (0, common_1.Catch)(messaging_errors_1.MessagingError),
    __metadata("design:paramtypes", [core_1.HttpAdapterHost])
], MessagingHttpExceptionFilter);
