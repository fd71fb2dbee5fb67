import { MessagingConfigurationError } from '../errors/messaging.errors';

/** Header that {@link CorrelationIdMiddleware} reads and echoes unless told otherwise. */
export const DEFAULT_CORRELATION_ID_HEADER = 'x-correlation-id';

/** Options of {@link MessagingHttpModule} and {@link CorrelationIdMiddleware}. */
export interface CorrelationIdOptions {
  /**
   * Name of the request header that carries the correlation id, and of the
   * response header that echoes it. Case-insensitive.
   * @default 'x-correlation-id'
   */
  header?: string;
}

/** Options with every field decided. @internal */
export interface ResolvedCorrelationIdOptions {
  /** Lower-case header name. */
  readonly header: string;
}

/** Injection token of the resolved {@link CorrelationIdOptions}. @internal */
export const CORRELATION_ID_OPTIONS = Symbol('nestjs-messaging:http-options');

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks the options and fills in the defaults.
 * @throws MessagingConfigurationError when the header name is not a valid HTTP header name.
 * @internal
 */
export function resolveCorrelationIdOptions(options: CorrelationIdOptions = {}): ResolvedCorrelationIdOptions {
  const header = options.header ?? DEFAULT_CORRELATION_ID_HEADER;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw new MessagingConfigurationError(
      `MessagingHttpModule has header ${JSON.stringify(String(header)).slice(0, 80)}: give an HTTP header name such as '${DEFAULT_CORRELATION_ID_HEADER}'`,
    );
  }
  return Object.freeze({ header: header.toLowerCase() });
}
