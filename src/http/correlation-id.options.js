"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CORRELATION_ID_OPTIONS = exports.DEFAULT_REQUEST_TIMEOUT_HEADER = exports.DEFAULT_CORRELATION_ID_HEADER = void 0;
exports.resolveCorrelationIdOptions = resolveCorrelationIdOptions;
const messaging_errors_1 = require("../errors/messaging.errors");
/** Header that {@link CorrelationIdMiddleware} reads and echoes unless told otherwise. */
exports.DEFAULT_CORRELATION_ID_HEADER = 'x-correlation-id';
/** Header that carries an HTTP request's time budget when {@link RequestTimeoutOptions} does not name another. */
exports.DEFAULT_REQUEST_TIMEOUT_HEADER = 'x-request-timeout';
/** Injection token of the resolved {@link CorrelationIdOptions}. @internal */
exports.CORRELATION_ID_OPTIONS = Symbol('nestjs-messaging:http-options');
// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
function headerName(value, what, example) {
    if (typeof value !== 'string' || !HEADER_NAME.test(value)) {
        throw new messaging_errors_1.MessagingConfigurationError(`MessagingHttpModule has ${what} ${JSON.stringify(String(value)).slice(0, 80)}: give an HTTP header name such as '${example}'`);
    }
    return value.toLowerCase();
}
function positiveMs(value, what) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new messaging_errors_1.MessagingConfigurationError(`MessagingHttpModule has ${what} ${String(value).slice(0, 40)}: give a positive number of milliseconds`);
    }
    return value;
}
/**
 * Checks the options and fills in the defaults.
 * @throws MessagingConfigurationError when a header name is not a valid HTTP header name, or a budget is not a positive number of milliseconds.
 * @internal
 */
function resolveCorrelationIdOptions(options = {}) {
    const header = headerName(options.header ?? exports.DEFAULT_CORRELATION_ID_HEADER, 'header', exports.DEFAULT_CORRELATION_ID_HEADER);
    if (options.correlationIdFrom !== undefined && typeof options.correlationIdFrom !== 'function') {
        throw new messaging_errors_1.MessagingConfigurationError('MessagingHttpModule has a correlationIdFrom that is not a function: give (req) => string | undefined');
    }
    let requestTimeout;
    if (options.requestTimeout !== undefined) {
        const rt = options.requestTimeout;
        const max = positiveMs(rt.max, 'requestTimeout.max');
        const dflt = rt.default === undefined ? undefined : positiveMs(rt.default, 'requestTimeout.default');
        if (dflt !== undefined && dflt > max) {
            throw new messaging_errors_1.MessagingConfigurationError(`MessagingHttpModule has requestTimeout.default ${dflt} above requestTimeout.max ${max}: lower the default or raise max`);
        }
        const rtHeader = rt.header === false ? undefined : headerName(rt.header ?? exports.DEFAULT_REQUEST_TIMEOUT_HEADER, 'requestTimeout.header', exports.DEFAULT_REQUEST_TIMEOUT_HEADER);
        requestTimeout = Object.freeze({ header: rtHeader, max, default: dflt });
    }
    return Object.freeze({
        header,
        correlationIdFromTraceparent: options.correlationIdFromTraceparent === true,
        correlationIdFrom: options.correlationIdFrom,
        requestTimeout,
    });
}
