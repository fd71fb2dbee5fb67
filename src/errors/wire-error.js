"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.toWireError = toWireError;
const common_1 = require("@nestjs/common");
const microservices_1 = require("@nestjs/microservices");
const error_codes_1 = require("./error-codes");
const messaging_errors_1 = require("./messaging.errors");
const HTTP_TO_CODE = {
    [common_1.HttpStatus.BAD_REQUEST]: error_codes_1.MessagingErrorCode.INVALID_ARGUMENT,
    [common_1.HttpStatus.UNPROCESSABLE_ENTITY]: error_codes_1.MessagingErrorCode.INVALID_ARGUMENT,
    [common_1.HttpStatus.UNAUTHORIZED]: error_codes_1.MessagingErrorCode.UNAUTHENTICATED,
    [common_1.HttpStatus.FORBIDDEN]: error_codes_1.MessagingErrorCode.PERMISSION_DENIED,
    [common_1.HttpStatus.NOT_FOUND]: error_codes_1.MessagingErrorCode.NOT_FOUND,
    [common_1.HttpStatus.CONFLICT]: error_codes_1.MessagingErrorCode.ALREADY_EXISTS,
    [common_1.HttpStatus.PRECONDITION_FAILED]: error_codes_1.MessagingErrorCode.FAILED_PRECONDITION,
    [common_1.HttpStatus.TOO_MANY_REQUESTS]: error_codes_1.MessagingErrorCode.RESOURCE_EXHAUSTED,
    [common_1.HttpStatus.PAYLOAD_TOO_LARGE]: error_codes_1.MessagingErrorCode.RESOURCE_EXHAUSTED,
    [common_1.HttpStatus.NOT_IMPLEMENTED]: error_codes_1.MessagingErrorCode.UNIMPLEMENTED,
    [common_1.HttpStatus.SERVICE_UNAVAILABLE]: error_codes_1.MessagingErrorCode.UNAVAILABLE,
    [common_1.HttpStatus.GATEWAY_TIMEOUT]: error_codes_1.MessagingErrorCode.DEADLINE_EXCEEDED,
};
/** What Nest's guards throw in RPC context when they refuse. */
const FORBIDDEN = 'Forbidden resource';
/**
 * Maps whatever a handler threw to what the caller receives:
 * - a MessagingError (a contract violation, an unsupported version, a failed downstream call) keeps its code;
 * - an HttpException maps by status (404 -> NOT_FOUND, 400 -> INVALID_ARGUMENT, ...);
 * - an RpcException passes through unchanged, as in plain Nest (a refused guard becomes PERMISSION_DENIED);
 * - anything else is INTERNAL, without its message or stack unless `exposeErrors`.
 */
function toWireError(exception, ctx) {
    const base = { pattern: ctx.pattern, correlationId: ctx.correlationId };
    if (exception instanceof messaging_errors_1.MessagingError) {
        const details = exception.details;
        return {
            payload: clean({ code: exception.code, message: exception.message, details, retryable: exception.retryable, ...base }),
            unexpected: false,
        };
    }
    if (exception instanceof microservices_1.RpcException) {
        const error = exception.getError();
        if (error === FORBIDDEN) {
            return {
                payload: clean({ code: error_codes_1.MessagingErrorCode.PERMISSION_DENIED, message: FORBIDDEN, retryable: false, ...base }),
                unexpected: false,
            };
        }
        return { payload: typeof error === 'object' && error !== null ? error : { status: 'error', message: error }, unexpected: false };
    }
    if (exception instanceof common_1.HttpException) {
        const status = exception.getStatus();
        const code = HTTP_TO_CODE[status] ?? (status >= 500 ? error_codes_1.MessagingErrorCode.INTERNAL : error_codes_1.MessagingErrorCode.FAILED_PRECONDITION);
        const response = exception.getResponse();
        const detail = typeof response === 'object' && response !== null ? response.message : undefined;
        const internal = code === error_codes_1.MessagingErrorCode.INTERNAL;
        return {
            payload: clean({
                code,
                message: internal && !ctx.exposeErrors ? 'Internal server error' : exception.message,
                details: Array.isArray(detail) ? { messages: detail } : undefined,
                retryable: code === error_codes_1.MessagingErrorCode.UNAVAILABLE,
                ...base,
            }),
            unexpected: internal,
        };
    }
    const err = exception instanceof Error ? exception : undefined;
    return {
        payload: clean({
            code: error_codes_1.MessagingErrorCode.INTERNAL,
            message: 'Internal server error',
            details: ctx.exposeErrors ? { name: err?.name, message: err?.message ?? String(exception), stack: err?.stack } : undefined,
            retryable: false,
            ...base,
        }),
        unexpected: true,
    };
}
function clean(error) {
    const out = {};
    for (const [k, v] of Object.entries(error))
        if (v !== undefined)
            out[k] = v;
    return out;
}
