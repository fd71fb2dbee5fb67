/**
 * The keys of the metadata map on the wire. See docs/wire-format.md.
 *
 * Every key is lower case (NATS and HTTP-style headers are case-insensitive,
 * RabbitMQ headers and MQTT user properties are not), made of `a-z`, `0-9`
 * and `-`.
 */
export const MetadataKeys = {
  /** Version of this wire format: absent means 1 (written only by a future format that a format-1 reader could misread). */
  format: 'msg-format',
  /** Unique id of the message; retries of one call keep it. */
  messageId: 'msg-id',
  /** Id shared by every message of one conversation (an HTTP request, a saga). */
  correlationId: 'msg-correlation-id',
  /** `msg-id` of the message whose handling sent this one. */
  causationId: 'msg-causation-id',
  /** Time of sending, milliseconds since the Unix epoch, as the sender's clock saw it. */
  sentAt: 'msg-sent-at',
  /** 1 for the first attempt of a call, 2 for its first retry, and so on. */
  attempt: 'msg-attempt',
  /** Version of the payload's contract, when the sender knows it. */
  payloadVersion: 'msg-payload-version',
  /**
   * What is left of the call's time budget when this attempt is sent, in
   * milliseconds. The receiver's deadline is its own clock at receipt plus this
   * (relative, like gRPC's grpc-timeout, so it survives clock skew between hosts).
   */
  timeoutMs: 'msg-timeout-ms',
  /** W3C trace context (https://www.w3.org/TR/trace-context/), written by a tracing instrumentation. */
  traceparent: 'traceparent',
  /** W3C trace state, with `traceparent`. */
  tracestate: 'tracestate',
} as const;

/** The wire format this version of the library writes and reads (it writes no `msg-format` key for it). */
export const METADATA_FORMAT_VERSION = '1';

/**
 * Prefix of application keys (a tenant, a locale): `{ tenant: 'acme' }` travels
 * as `app-tenant: acme` and propagates to every message sent while it is handled.
 */
export const APP_KEY_PREFIX = 'app-';

/** Size limits of the metadata map, checked on both ends. */
export const MetadataLimits = {
  /** Longest key, in characters. */
  maxKeyLength: 64,
  /** Longest value, in characters. */
  maxValueLength: 1024,
  /** Most entries in one map. */
  maxEntries: 64,
  /** Most characters of all keys and values of one map together. */
  maxTotalLength: 8192,
  /** Longest message, correlation or causation id. */
  maxIdLength: 128,
} as const;
