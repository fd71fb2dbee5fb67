import type { IncomingMessage } from 'node:http';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { assertValidAppMetadata } from '../wire/message-metadata';

/** Header that {@link CorrelationIdMiddleware} reads and echoes unless told otherwise. */
export const DEFAULT_CORRELATION_ID_HEADER = 'x-correlation-id';

/** Header that carries an HTTP request's time budget when {@link RequestTimeoutOptions} does not name another. */
export const DEFAULT_REQUEST_TIMEOUT_HEADER = 'x-request-timeout';

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
  /**
   * Application keys taken from request headers: `{ 'x-tenant-id': 'tenant' }`
   * makes the header's value the `tenant` application key of every message
   * sent while serving the request. Only the headers listed here are read:
   * the HTTP edge is a trust boundary, and an application key set here travels
   * down every call chain. A value that breaks the metadata rules (longer than
   * 1024 characters, control characters) is dropped.
   * @default {} (no application key from HTTP)
   */
  appHeaders?: Readonly<Record<string, string>>;
}

/** Correlation id options with every field decided. */
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
  /** Lower-case header name to application key. */
  readonly appHeaders: ReadonlyArray<readonly [string, string]>;
}

/** Injection token of the resolved {@link CorrelationIdOptions}. @internal */
export const CORRELATION_ID_OPTIONS = Symbol('nestjs-messaging:http-options');

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function headerName(value: unknown, what: string, example: string): string {
  if (typeof value !== 'string' || !HEADER_NAME.test(value)) {
    throw new MessagingConfigurationError(
      `MessagingHttpModule has ${what} ${JSON.stringify(String(value)).slice(0, 80)}: give an HTTP header name such as '${example}'`,
    );
  }
  return value.toLowerCase();
}

function positiveMs(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MessagingConfigurationError(
      `MessagingHttpModule has ${what} ${String(value).slice(0, 40)}: give a positive number of milliseconds`,
    );
  }
  return value;
}

/**
 * Checks the options and fills in the defaults.
 * @throws MessagingConfigurationError when a header name is not a valid HTTP header name, or a budget is not a positive number of milliseconds.
 * @internal
 */
export function resolveCorrelationIdOptions(options: CorrelationIdOptions = {}): ResolvedCorrelationIdOptions {
  const header = headerName(options.header ?? DEFAULT_CORRELATION_ID_HEADER, 'header', DEFAULT_CORRELATION_ID_HEADER);
  if (options.correlationIdFrom !== undefined && typeof options.correlationIdFrom !== 'function') {
    throw new MessagingConfigurationError('MessagingHttpModule has a correlationIdFrom that is not a function: give (req) => string | undefined');
  }
  let requestTimeout: ResolvedCorrelationIdOptions['requestTimeout'];
  if (options.requestTimeout !== undefined) {
    const rt = options.requestTimeout;
    const max = positiveMs(rt.max, 'requestTimeout.max');
    const dflt = rt.default === undefined ? undefined : positiveMs(rt.default, 'requestTimeout.default');
    if (dflt !== undefined && dflt > max) {
      throw new MessagingConfigurationError(
        `MessagingHttpModule has requestTimeout.default ${dflt} above requestTimeout.max ${max}: lower the default or raise max`,
      );
    }
    const rtHeader =
      rt.header === false ? undefined : headerName(rt.header ?? DEFAULT_REQUEST_TIMEOUT_HEADER, 'requestTimeout.header', DEFAULT_REQUEST_TIMEOUT_HEADER);
    requestTimeout = Object.freeze({ header: rtHeader, max, default: dflt });
  }
  const appHeaders = Object.entries(options.appHeaders ?? {}).map(([name, key]) => {
    try {
      assertValidAppMetadata({ [key]: '' });
    } catch {
      throw new MessagingConfigurationError(
        `MessagingHttpModule has appHeaders['${name}'] = ${JSON.stringify(String(key)).slice(0, 80)}: give an application key of lower-case a-z, 0-9 and '-'`,
      );
    }
    return [headerName(name, `appHeaders header`, 'x-tenant-id'), key] as const;
  });
  return Object.freeze({
    header,
    appHeaders,
    correlationIdFromTraceparent: options.correlationIdFromTraceparent === true,
    correlationIdFrom: options.correlationIdFrom,
    requestTimeout,
  });
}
