import { MessagingErrorCode } from './error-codes';

/** A pattern as given to `send()`/`emit()`: a string or an object such as `{ cmd: 'get_user' }`. */
export type MessagePattern = string | Record<string, unknown>;

/** One step of a failed call, in {@link MessagingError.timeline}. */
export interface CallTimelineEntry {
  /** Milliseconds since the call started. */
  readonly at: number;
  /** What happened. */
  readonly event: 'attempt' | 'failed' | 'backoff' | 'timeout' | 'closed';
  /** The attempt it concerns (1-based; 0 before any). */
  readonly attempt: number;
  /** For `failed`: the attempt's error code. */
  readonly code?: MessagingErrorCode;
  /** For `backoff`: the wait before the next attempt, in ms. */
  readonly delay?: number;
  /** For `attempt`: what was left of the call's budget, in ms. */
  readonly budgetLeft?: number;
}

/** Fields every {@link MessagingError} may carry. */
export interface MessagingErrorFields {
  /** Pattern of the call. */
  readonly pattern?: MessagePattern;
  /** Name of the MessagingClient that made the call. */
  readonly client?: string;
  /** Correlation id of the call. */
  readonly correlationId?: string;
  /** Message id of the call. */
  readonly messageId?: string;
  /** The error behind this one. */
  readonly cause?: unknown;
}

/**
 * Base class of every error the library raises. `code` is one of
 * {@link MessagingErrorCode}; `retryable` tells the retry policy whether
 * another attempt may succeed.
 */
export class MessagingError extends Error {
  override name = 'MessagingError';
  /** Pattern of the call, when there was one. */
  readonly pattern?: MessagePattern;
  /** Name of the client that made the call. */
  readonly client?: string;
  /** Correlation id of the call. */
  readonly correlationId?: string;
  /** Message id of the call. */
  readonly messageId?: string;
  /**
   * For an error that ended a MessagingClient call: what happened, step by
   * step (attempts, their failures, backoffs, the timeout).
   */
  readonly timeline?: readonly CallTimelineEntry[];

  constructor(
    message: string,
    /** What kind of failure this is. */
    readonly code: MessagingErrorCode,
    /** Whether retrying the same call may succeed. */
    readonly retryable: boolean,
    fields: MessagingErrorFields = {},
  ) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.pattern = fields.pattern;
    this.client = fields.client;
    this.correlationId = fields.correlationId;
    this.messageId = fields.messageId;
  }
}

/**
 * The pattern as text, as Nest routes it: an object pattern with its keys
 * sorted (`{v:2,cmd:'x'}` and `{cmd:'x',v:2}` are both `{"cmd":"x","v":2}`),
 * so that errors, logs, spans, metrics and per-pattern circuits name one
 * pattern one way, and the way the handler side does. The pattern object
 * described last is not described again (it is read as a constant, as Nest's
 * own routing reads it when a handler registers).
 */
export function describePattern(pattern: MessagePattern | undefined): string {
  if (pattern === undefined) return '(none)';
  if (typeof pattern === 'string') return pattern;
  // The same pattern object again (a constant, a contract's, sent call after call): its route as last time.
  // One entry, not a WeakMap: a literal pattern (`send({ cmd: 'x' }, ...)`) is a new object on every call, and a
  // WeakMap entry per call costs several times the description itself.
  if (pattern !== lastPattern) {
    lastRoute = routeOf(pattern, 0);
    lastPattern = pattern;
  }
  return lastRoute;
}

let lastPattern: object | undefined;
let lastRoute = '';

const escape = (s: string) => (s.includes('\\') || s.includes('"') ? s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : s);

/** Nest's `transformPatternToRoute` (not in its public API), for the values a pattern holds. */
function routeOf(value: unknown, depth: number): string {
  if (typeof value === 'string' || typeof value === 'number') return `${value}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (depth > 5) return '[MAX_DEPTH_REACHED]';
  const keys = Object.keys(value);
  if (keys.length > 20) return '[TOO_MANY_KEYS]';
  // One key (the usual `{ cmd }`) needs no sort.
  if (keys.length > 1) keys.sort((a, b) => a.localeCompare(b));
  const parts = keys.map((key) => {
    const item = (value as Record<string, unknown>)[key];
    const route = routeOf(item, depth + 1);
    return `"${escape(key)}":${typeof item === 'string' ? `"${escape(route)}"` : route}`;
  });
  return `{${parts.join(',')}}`;
}

/**
 * The call's time budget ran out (code DEADLINE_EXCEEDED). Nest's pending
 * request entry has been released by then: a late reply is dropped.
 */
export class MessagingTimeoutError extends MessagingError {
  override name = 'MessagingTimeoutError';
  constructor(
    /** The budget, in milliseconds. */
    readonly timeout: number,
    /** Milliseconds from the call to this error. */
    readonly elapsed: number,
    /** How many attempts were started. */
    readonly attempts: number,
    /** The error of each failed attempt before the budget ran out, in order. */
    readonly attemptErrors: readonly Error[],
    fields: MessagingErrorFields = {},
    /** Whether the budget was the per-attempt budget (`attemptTimeout`) rather than the whole call's. */
    readonly perAttempt = false,
    /**
     * Whether the budget was cut to what was left of the deadline of the
     * message being handled (or of the HTTP request being served).
     */
    readonly inheritedDeadline = false,
  ) {
    super(
      attempts === 0
        ? `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' was not sent: the deadline of the work it belongs to has passed`
        : `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' timed out after ${elapsed} ms ` +
            `(${perAttempt ? 'attempt ' : ''}budget ${timeout} ms${inheritedDeadline ? ', limited by the inherited deadline' : ''}, ` +
            `${attempts} attempt${attempts === 1 ? '' : 's'})`,
      MessagingErrorCode.DEADLINE_EXCEEDED,
      perAttempt,
      fields,
    );
  }
}

/**
 * The peer or broker could not be reached, or the connection broke during the
 * call (code UNAVAILABLE, retryable). `cause` holds the transport's error.
 */
export class MessagingConnectionError extends MessagingError {
  override name = 'MessagingConnectionError';
  constructor(message: string, fields: MessagingErrorFields = {}) {
    super(message, MessagingErrorCode.UNAVAILABLE, true, fields);
  }
}

/**
 * The client was closed (application shutdown) while the call was pending, or
 * the call was made after it closed (code CANCELLED, not retryable).
 */
export class MessagingClientClosedError extends MessagingError {
  override name = 'MessagingClientClosedError';
  constructor(fields: MessagingErrorFields = {}) {
    super(
      `client '${fields.client ?? '?'}' was closed while ${describePattern(fields.pattern)} was pending`,
      MessagingErrorCode.CANCELLED,
      false,
      fields,
    );
  }
}

/** Fields of an error the remote side sent. */
export interface RemoteErrorFields extends MessagingErrorFields {
  /** Structured details the remote sent (e.g. validation errors per field). */
  readonly details?: unknown;
}

/**
 * The remote handler failed. `remote` is exactly what it sent (for a plain Nest
 * handler, e.g. `{ status: 'error', message: 'Internal server error' }`);
 * `code` and `retryable` come from the remote's structured error when it sent one.
 */
export class MessagingRemoteError extends MessagingError {
  override name = 'MessagingRemoteError';
  /** Structured details sent by the remote side. */
  readonly details?: unknown;
  constructor(
    message: string,
    code: MessagingErrorCode,
    retryable: boolean,
    /** What the remote side sent, unchanged. */
    readonly remote: unknown,
    fields: RemoteErrorFields = {},
  ) {
    super(message, code, retryable, fields);
    this.details = fields.details;
  }
}

/**
 * Every attempt of a retried call failed with a retryable error and no attempt
 * is left. `attemptErrors` holds each attempt's error; `code` and `retryable`
 * are the last one's.
 */
export class MessagingRetriesExhaustedError extends MessagingError {
  override name = 'MessagingRetriesExhaustedError';
  constructor(
    /** The error of each attempt, in order. */
    readonly attemptErrors: readonly MessagingError[],
    fields: MessagingErrorFields = {},
  ) {
    const last = attemptErrors[attemptErrors.length - 1]!;
    super(
      `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}' failed after ${attemptErrors.length} attempts: ${last.message}`,
      last.code,
      last.retryable,
      { ...fields, cause: last },
    );
  }
  /** How many attempts were made. */
  get attempts(): number {
    return this.attemptErrors.length;
  }
}

/** Metadata given by the application breaks the wire format's rules (code INVALID_ARGUMENT). */
export class InvalidMetadataError extends MessagingError {
  override name = 'InvalidMetadataError';
  constructor(message: string) {
    super(message, MessagingErrorCode.INVALID_ARGUMENT, false);
  }
}

/** The module's options are wrong; the message says what to do. */
export class MessagingConfigurationError extends Error {
  override name = 'MessagingConfigurationError';
}

/**
 * A payload is larger than the configured maximum (code RESOURCE_EXHAUSTED, not
 * retryable). Raised by the client before sending (`maxPayloadSize` in the call
 * policy) and by handlers on receipt (`maxPayloadSize` in the handler options).
 */
export class MessagingPayloadTooLargeError extends MessagingError {
  override name = 'MessagingPayloadTooLargeError';
  /** `{ size, limit }` in bytes of UTF-8 JSON: on the wire in a handler's error reply. */
  readonly details: { readonly size: number; readonly limit: number };
  constructor(
    /** Size of the payload as UTF-8 JSON, in bytes. */
    readonly size: number,
    /** The limit, in bytes. */
    readonly limit: number,
    where: 'client' | 'handler',
    fields: MessagingErrorFields = {},
  ) {
    super(
      `the payload of ${describePattern(fields.pattern)} is ${size} bytes of JSON, above the ${where}'s limit of ${limit} bytes ` +
        `(maxPayloadSize): send less (e.g. a reference to the data), or raise ${where === 'client' ? "the call policy's" : "the handler's"} maxPayloadSize`,
      MessagingErrorCode.RESOURCE_EXHAUSTED,
      false,
      fields,
    );
    this.details = { size, limit };
  }
}
