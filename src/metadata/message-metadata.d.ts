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
    /** Payload contract version, when known. */
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
/** Makes a new, collision-safe message or correlation id. */
export declare function newId(): string;
/**
 * Whether `value` may be used as a message, correlation or causation id: at most
 * 128 characters of `A-Z a-z 0-9 . _ : -`.
 */
export declare function isValidId(value: unknown): value is string;
/**
 * Checks application metadata given by a user (keys without the `app-` prefix).
 *
 * @throws InvalidMetadataError when a key or value breaks the wire format's rules.
 */
export declare function assertValidAppMetadata(app: Record<string, unknown>): asserts app is Record<string, string>;
/**
 * Encodes metadata into its wire form. The caller supplies valid ids; application
 * keys are checked when they enter the library (call options, incoming messages).
 */
export declare function encodeMetadata(meta: MessageMetadata): WireMetadata;
/**
 * Decodes incoming wire metadata, whoever sent it. Never throws: entries that
 * break the format's rules are dropped, an absent or invalid message id or
 * correlation id is replaced by a new one, and so the result is always usable.
 * Keys this version does not know are ignored (newer senders may add some).
 *
 * @param wire what arrived, or `undefined` when the sender sent none (a plain Nest client).
 */
export declare function decodeMetadata(wire: unknown): MessageMetadata;
