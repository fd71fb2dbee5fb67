"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.newId = newId;
exports.isValidId = isValidId;
exports.assertValidAppMetadata = assertValidAppMetadata;
exports.encodeMetadata = encodeMetadata;
exports.decodeMetadata = decodeMetadata;
const node_crypto_1 = require("node:crypto");
const messaging_errors_1 = require("../errors/messaging.errors");
const metadata_keys_1 = require("./metadata-keys");
const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
const KEY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Makes a new, collision-safe message or correlation id. */
function newId() {
    return (0, node_crypto_1.randomUUID)();
}
/**
 * Whether `value` may be used as a message, correlation or causation id: at most
 * 128 characters of `A-Z a-z 0-9 . _ : -`.
 */
function isValidId(value) {
    return (typeof value === 'string' &&
        value.length > 0 &&
        value.length <= metadata_keys_1.MetadataLimits.maxIdLength &&
        ID_PATTERN.test(value));
}
/**
 * Checks application metadata given by a user (keys without the `app-` prefix).
 *
 * @throws InvalidMetadataError when a key or value breaks the wire format's rules.
 */
function assertValidAppMetadata(app) {
    for (const key of Object.keys(app)) {
        const value = app[key];
        const wireKey = metadata_keys_1.APP_KEY_PREFIX + key;
        if (!KEY_PATTERN.test(key) || wireKey.length > metadata_keys_1.MetadataLimits.maxKeyLength) {
            throw new messaging_errors_1.InvalidMetadataError(`application metadata key '${key.slice(0, 80)}' is invalid: use lower-case a-z, 0-9 and '-', at most ${metadata_keys_1.MetadataLimits.maxKeyLength - metadata_keys_1.APP_KEY_PREFIX.length} characters`);
        }
        if (typeof value !== 'string' || value.length > metadata_keys_1.MetadataLimits.maxValueLength || CONTROL_CHARS.test(value)) {
            throw new messaging_errors_1.InvalidMetadataError(`application metadata '${key}' must be a string of at most ${metadata_keys_1.MetadataLimits.maxValueLength} characters without control characters`);
        }
    }
}
/**
 * Encodes metadata into its wire form. The caller supplies valid ids; application
 * keys are checked when they enter the library (call options, incoming messages).
 */
function encodeMetadata(meta) {
    const wire = {
        [metadata_keys_1.MetadataKeys.format]: metadata_keys_1.METADATA_FORMAT_VERSION,
        [metadata_keys_1.MetadataKeys.messageId]: meta.messageId,
        [metadata_keys_1.MetadataKeys.correlationId]: meta.correlationId,
        [metadata_keys_1.MetadataKeys.attempt]: String(meta.attempt),
    };
    if (meta.causationId !== undefined)
        wire[metadata_keys_1.MetadataKeys.causationId] = meta.causationId;
    if (meta.sentAt !== undefined)
        wire[metadata_keys_1.MetadataKeys.sentAt] = String(meta.sentAt);
    if (meta.payloadVersion !== undefined)
        wire[metadata_keys_1.MetadataKeys.payloadVersion] = String(meta.payloadVersion);
    if (meta.timeoutMs !== undefined)
        wire[metadata_keys_1.MetadataKeys.timeoutMs] = String(meta.timeoutMs);
    if (meta.traceparent !== undefined)
        wire[metadata_keys_1.MetadataKeys.traceparent] = meta.traceparent;
    if (meta.tracestate !== undefined)
        wire[metadata_keys_1.MetadataKeys.tracestate] = meta.tracestate;
    for (const key in meta.app)
        wire[metadata_keys_1.APP_KEY_PREFIX + key] = meta.app[key];
    return wire;
}
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;
function matching(value, pattern) {
    return value !== undefined && pattern.test(value) ? value : undefined;
}
function nonNegativeInt(value) {
    return value !== undefined && /^[0-9]{1,15}$/.test(value) ? Number(value) : undefined;
}
function positiveInt(value) {
    if (value === undefined || !/^[0-9]{1,15}$/.test(value))
        return undefined;
    const n = Number(value);
    return n > 0 ? n : undefined;
}
/**
 * Decodes incoming wire metadata, whoever sent it. Never throws: entries that
 * break the format's rules are dropped, an absent or invalid message id or
 * correlation id is replaced by a new one, and so the result is always usable.
 * Keys this version does not know are ignored (newer senders may add some).
 *
 * @param wire what arrived, or `undefined` when the sender sent none (a plain Nest client).
 */
function decodeMetadata(wire) {
    const src = wire !== null && typeof wire === 'object' ? wire : {};
    const get = (key) => {
        const v = Object.prototype.hasOwnProperty.call(src, key) ? src[key] : undefined;
        return typeof v === 'string' ? v : undefined;
    };
    const messageId = get(metadata_keys_1.MetadataKeys.messageId);
    const correlationId = get(metadata_keys_1.MetadataKeys.correlationId);
    const causationId = get(metadata_keys_1.MetadataKeys.causationId);
    const app = {};
    let entries = 0;
    let total = 0;
    for (const wireKey of Object.keys(src)) {
        if (!wireKey.startsWith(metadata_keys_1.APP_KEY_PREFIX))
            continue;
        const value = src[wireKey];
        const key = wireKey.slice(metadata_keys_1.APP_KEY_PREFIX.length);
        if (typeof value !== 'string' ||
            wireKey.length > metadata_keys_1.MetadataLimits.maxKeyLength ||
            value.length > metadata_keys_1.MetadataLimits.maxValueLength ||
            !KEY_PATTERN.test(key) ||
            CONTROL_CHARS.test(value)) {
            continue;
        }
        total += wireKey.length + value.length;
        if (++entries > metadata_keys_1.MetadataLimits.maxEntries || total > metadata_keys_1.MetadataLimits.maxTotalLength)
            break;
        app[key] = value;
    }
    return {
        messageId: isValidId(messageId) ? messageId : newId(),
        correlationId: isValidId(correlationId) ? correlationId : newId(),
        causationId: isValidId(causationId) ? causationId : undefined,
        sentAt: positiveInt(get(metadata_keys_1.MetadataKeys.sentAt)),
        attempt: positiveInt(get(metadata_keys_1.MetadataKeys.attempt)) ?? 1,
        payloadVersion: positiveInt(get(metadata_keys_1.MetadataKeys.payloadVersion)),
        timeoutMs: nonNegativeInt(get(metadata_keys_1.MetadataKeys.timeoutMs)),
        traceparent: matching(get(metadata_keys_1.MetadataKeys.traceparent), TRACEPARENT),
        tracestate: matching(get(metadata_keys_1.MetadataKeys.tracestate), TRACESTATE),
        app,
    };
}
