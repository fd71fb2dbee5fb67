"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.messageMetadataOf = messageMetadataOf;
exports.patternOf = patternOf;
const message_metadata_1 = require("../metadata/message-metadata");
const incoming_metadata_1 = require("../server/incoming-metadata");
const decoded = new WeakMap();
/**
 * The decoded metadata of the message an RPC host handles. Decoded once per
 * message (the RPC context object is one per message), so guards, the
 * interceptor, parameter decorators and the exception filter see the same ids,
 * even the fresh ones made for a message that carried none.
 * @internal
 */
function messageMetadataOf(host) {
    const rpcContext = host.switchToRpc().getContext();
    const key = typeof rpcContext === 'object' && rpcContext !== null ? rpcContext : undefined;
    const cached = key && decoded.get(key);
    if (cached)
        return cached;
    const metadata = (0, message_metadata_1.decodeMetadata)((0, incoming_metadata_1.readIncomingMetadata)(rpcContext));
    if (key)
        decoded.set(key, metadata);
    return metadata;
}
/** The pattern (or subject, topic) an RPC host handles, as text, if the transport's context tells it. @internal */
function patternOf(host) {
    const ctx = host.switchToRpc().getContext();
    // TCP, RMQ: getPattern; NATS: getSubject; MQTT: getTopic; Redis: getChannel.
    const pattern = ctx?.getPattern?.() ?? ctx?.getSubject?.() ?? ctx?.getTopic?.() ?? ctx?.getChannel?.();
    return typeof pattern === 'string' ? pattern : pattern === undefined ? undefined : JSON.stringify(pattern);
}
