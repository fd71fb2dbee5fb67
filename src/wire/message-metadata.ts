import { randomFillSync } from 'node:crypto';
import { InvalidMetadataError } from '../errors/messaging.errors';
import { APP_KEY_PREFIX, MetadataKeys, MetadataLimits } from './metadata-keys';

/** The metadata as it travels: a flat map of string keys to string values. */
export type WireMetadata = Record<string, string>;

/** Application metadata keys and values (without the `app-` prefix). */
export type AppMetadata = Readonly<Record<string, string>>;

/** The metadata of one message, decoded. */
export interface MessageMetadata {
  /** Unique id of the message (one `send()` subscription or one `emit()`; retries keep it). */
  readonly messageId: string;
  /** Id of the conversation the message belongs to. */
  readonly correlationId: string;
  /** Id of the message whose handling caused this one, if any. */
  readonly causationId?: string;
  /** When the sender sent this attempt, in milliseconds since the Unix epoch (sender's clock). */
  readonly sentAt?: number;
  /** Attempt number, 1-based. */
  readonly attempt: number;
  /**
   * Payload contract version, when the sender named one; `NaN` when what it
   * sent is not a whole number from 1 (a handler with a contract refuses such
   * a message with UNSUPPORTED_VERSION).
   */
  readonly payloadVersion?: number;
  /** What was left of the sender's time budget when it sent this attempt, in ms (requests only). */
  readonly timeoutMs?: number;
  /** W3C `traceparent` of the sender's span, when tracing is on. */
  readonly traceparent?: string;
  /** W3C `tracestate`, with `traceparent`. */
  readonly tracestate?: string;
  /** Application keys (a tenant, a locale) that propagate like the correlation id. */
  readonly app: AppMetadata;
}

const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
const KEY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(16 * POOL_IDS);
let poolNext = POOL_IDS;

/**
 * Makes a new, collision-safe message or correlation id: 16 random bytes
 * (128 bits, as a UUID's 122) in base64url, 22 characters.
 */
export function newId(): string {
  if (poolNext === POOL_IDS) {
    randomFillSync(pool);
    poolNext = 0;
  }
  const start = 16 * poolNext++;
  return pool.toString('base64url', start, start + 16);
}

/**
 * Whether `value` may be used as a message, correlation or causation id: at most
 * 128 characters of `A-Z a-z 0-9 . _ : -`.
 */
export function isValidId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MetadataLimits.maxIdLength &&
    ID_PATTERN.test(value)
  );
}

/** Whether `value` may be an application key's value: a string of at most 1024 characters without control characters. */
export function isValidAppValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MetadataLimits.maxValueLength && !CONTROL_CHARS.test(value);
}

/**
 * Checks application metadata given by a user (keys without the `app-` prefix).
 *
 * @throws InvalidMetadataError when a key or value breaks the wire format's rules.
 */
export function assertValidAppMetadata(app: Record<string, unknown>): asserts app is Record<string, string> {
  for (const key of Object.keys(app)) {
    const value = app[key];
    const wireKey = APP_KEY_PREFIX + key;
    if (!KEY_PATTERN.test(key) || wireKey.length > MetadataLimits.maxKeyLength) {
      throw new InvalidMetadataError(
        `application metadata key '${key.slice(0, 80)}' is invalid: use lower-case a-z, 0-9 and '-', at most ${
          MetadataLimits.maxKeyLength - APP_KEY_PREFIX.length
        } characters`,
      );
    }
    if (typeof value !== 'string' || value.length > MetadataLimits.maxValueLength || CONTROL_CHARS.test(value)) {
      throw new InvalidMetadataError(
        `application metadata '${key}' must be a string of at most ${MetadataLimits.maxValueLength} characters without control characters`,
      );
    }
  }
}

/**
 * Encodes metadata into its wire form. The caller supplies valid ids; application
 * keys are checked when they enter the library (call options, incoming messages).
 * Defaults are left out: `msg-format` (1) and `msg-attempt` (1) are written
 * only when they differ.
 */
export function encodeMetadata(meta: MessageMetadata): WireMetadata {
  const wire: WireMetadata = {
    [MetadataKeys.messageId]: meta.messageId,
    [MetadataKeys.correlationId]: meta.correlationId,
  };
  if (meta.attempt !== 1) wire[MetadataKeys.attempt] = String(meta.attempt);
  if (meta.causationId !== undefined) wire[MetadataKeys.causationId] = meta.causationId;
  if (meta.sentAt !== undefined) wire[MetadataKeys.sentAt] = String(meta.sentAt);
  if (meta.payloadVersion !== undefined) wire[MetadataKeys.payloadVersion] = String(meta.payloadVersion);
  if (meta.timeoutMs !== undefined) wire[MetadataKeys.timeoutMs] = String(meta.timeoutMs);
  if (meta.traceparent !== undefined) wire[MetadataKeys.traceparent] = meta.traceparent;
  if (meta.tracestate !== undefined) wire[MetadataKeys.tracestate] = meta.tracestate;
  for (const key in meta.app) wire[APP_KEY_PREFIX + key] = meta.app[key]!;
  return wire;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

function matching(value: string | undefined, pattern: RegExp): string | undefined {
  return value !== undefined && pattern.test(value) ? value : undefined;
}

function nonNegativeInt(value: string | undefined): number | undefined {
  return value !== undefined && /^[0-9]{1,15}$/.test(value) ? Number(value) : undefined;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,15}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** A payload version: absent, a whole number from 1, or NaN for anything else (so that it is refused, not ignored). */
function version(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return positiveInt(value) ?? Number.NaN;
}

/**
 * Decodes incoming wire metadata, whoever sent it. Never throws: entries that
 * break the format's rules are dropped, an absent or invalid message id is
 * replaced by a new one, an absent or invalid correlation id by the message's
 * id (the message starts a conversation), and so the result is always usable.
 * Keys this version does not know are ignored (newer senders may add some).
 *
 * @param wire what arrived, or `undefined` when the sender sent none (a plain Nest client).
 */
export function decodeMetadata(wire: unknown): MessageMetadata {
  const src = wire !== null && typeof wire === 'object' ? (wire as Record<string, unknown>) : {};
  const get = (key: string): string | undefined => {
    const v = Object.prototype.hasOwnProperty.call(src, key) ? src[key] : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  const messageId = get(MetadataKeys.messageId);
  const correlationId = get(MetadataKeys.correlationId);
  const causationId = get(MetadataKeys.causationId);
  const app: Record<string, string> = {};
  let entries = 0;
  let total = 0;
  for (const wireKey of Object.keys(src)) {
    if (!wireKey.startsWith(APP_KEY_PREFIX)) continue;
    const value = src[wireKey];
    const key = wireKey.slice(APP_KEY_PREFIX.length);
    if (
      typeof value !== 'string' ||
      wireKey.length > MetadataLimits.maxKeyLength ||
      value.length > MetadataLimits.maxValueLength ||
      !KEY_PATTERN.test(key) ||
      CONTROL_CHARS.test(value)
    ) {
      continue;
    }
    total += wireKey.length + value.length;
    if (++entries > MetadataLimits.maxEntries || total > MetadataLimits.maxTotalLength) break;
    app[key] = value;
  }
  const id = isValidId(messageId) ? messageId : newId();
  return {
    messageId: id,
    // A message without a (valid) correlation id starts a conversation: its own id is the conversation's.
    correlationId: isValidId(correlationId) ? correlationId : id,
    causationId: isValidId(causationId) ? causationId : undefined,
    sentAt: positiveInt(get(MetadataKeys.sentAt)),
    attempt: positiveInt(get(MetadataKeys.attempt)) ?? 1,
    payloadVersion: version(get(MetadataKeys.payloadVersion)),
    timeoutMs: nonNegativeInt(get(MetadataKeys.timeoutMs)),
    traceparent: matching(get(MetadataKeys.traceparent), TRACEPARENT),
    tracestate: matching(get(MetadataKeys.tracestate), TRACESTATE),
    app,
  };
}
