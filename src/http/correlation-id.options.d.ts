import type { IncomingMessage } from 'node:http';
/** Header that {@link CorrelationIdMiddleware} reads and echoes unless told otherwise. */
export declare const DEFAULT_CORRELATION_ID_HEADER = "x-correlation-id";
/** Header that carries an HTTP request's time budget when {@link RequestTimeoutOptions} does not name another. */
export declare const DEFAULT_REQUEST_TIMEOUT_HEADER = "x-request-timeout";
/**
 * A time budget for each HTTP request: every call made while serving the
 * request gets at most what is left of it (see `runWithMessageContext`'s `timeout`).
 *
 * The header value is a whole number of milliseconds (`1` to `max`, digits
 * only, e.g. `x-request-timeout: 2500`). A value above `max` is lowered to
 * `max`; a value that is not a positive whole number (`abc`, `-5`, `1.5`,
 * `0`, two headers) is ignored, and `default` applies as if it were absent.
 */
export interface RequestTimeoutOptions {
    /**
     * Request header that carries the budget in milliseconds; `false` reads no
     * header (only `default` applies).
     * @default 'x-request-timeout'
     */
    header?: string | false;
    /** Upper bound of a budget a client may ask for, in milliseconds. Required: a client must not be able to hold calls open for ever. */
    max: number;
    /** Budget of a request that sends no (valid) header, in milliseconds; none when absent. Must not exceed `max`. */
    default?: number;
}
/** Options of {@link MessagingHttpModule} and {@link CorrelationIdMiddleware}. */
export interface CorrelationIdOptions {
    /**
     * Name of the request header that carries the correlation id, and of the
     * response header that echoes it. Case-insensitive.
     * @default 'x-correlation-id'
     */
    header?: string;
    /**
     * When the request has no valid correlation id header, use the trace id of a
     * valid W3C `traceparent` header (32 hex digits) as the correlation id, so
     * that logs and traces share one id.
     * @default false
     */
    correlationIdFromTraceparent?: boolean;
    /**
     * Where the correlation id comes from, before any header: return a valid id
     * (see `isValidId`) to use it, or `undefined` to fall back to the header,
     * then `traceparent` (if enabled), then a new id. With nestjs-cls, pass
     * `() => ClsServiceManager.getClsService().getId()` (and mount ClsModule's
     * middleware before this one) so that the correlation id is the cls request id.
     * An invalid value is ignored and never logged.
     * @default undefined
     */
    correlationIdFrom?: (req: IncomingMessage) => string | undefined;
    /**
     * A time budget per request, from a header with an upper bound and/or a
     * default. Per route, use the `@RequestTimeout(ms)` decorator.
     * @default undefined (no budget)
     */
    requestTimeout?: RequestTimeoutOptions;
}
/** Options with every field decided. @internal */
export interface ResolvedCorrelationIdOptions {
    /** Lower-case header name. */
    readonly header: string;
    readonly correlationIdFromTraceparent: boolean;
    readonly correlationIdFrom?: (req: IncomingMessage) => string | undefined;
    readonly requestTimeout?: {
        /** Lower-case header name, or undefined to read none. */
        readonly header?: string;
        readonly max: number;
        readonly default?: number;
    };
}
/** Injection token of the resolved {@link CorrelationIdOptions}. @internal */
export declare const CORRELATION_ID_OPTIONS: unique symbol;
/**
 * Checks the options and fills in the defaults.
 * @throws MessagingConfigurationError when a header name is not a valid HTTP header name, or a budget is not a positive number of milliseconds.
 * @internal
 */
export declare function resolveCorrelationIdOptions(options?: CorrelationIdOptions): ResolvedCorrelationIdOptions;
