"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.incomingPacketMetadata = void 0;
exports.readIncomingMetadata = readIncomingMetadata;
const node_async_hooks_1 = require("node:async_hooks");
const microservices_1 = require("@nestjs/microservices");
/**
 * The raw metadata of the packet being handled, set by the library's server
 * strategies (Nest 11's TcpContext and RedisContext have no getMetadata()).
 * @internal
 */
exports.incomingPacketMetadata = new node_async_hooks_1.AsyncLocalStorage();
/** NATS `MsgHdrs` to a plain map (first value of each key). */
function natsHeaders(headers) {
    if (!headers || typeof headers.keys !== 'function')
        return undefined;
    const out = {};
    for (const key of headers.keys())
        out[key] = headers.get(key);
    return out;
}
/** MQTT 5 user properties (a value may be an array when a key repeats: the first wins). */
function userProperties(props) {
    if (!props || typeof props !== 'object')
        return undefined;
    const out = {};
    for (const [key, value] of Object.entries(props)) {
        const first = Array.isArray(value) ? value[0] : value;
        if (typeof first === 'string')
            out[key] = first;
    }
    return out;
}
/** Kafka message headers (Buffers, strings, or arrays of them when a key repeats: the first wins) as strings. */
function kafkaHeaders(headers) {
    if (!headers || typeof headers !== 'object')
        return undefined;
    const out = {};
    for (const [key, raw] of Object.entries(headers)) {
        const first = Array.isArray(raw) ? raw[0] : raw;
        if (typeof first === 'string')
            out[key] = first;
        else if (Buffer.isBuffer(first))
            out[key] = first.toString('utf8');
    }
    return Object.keys(out).length ? out : undefined;
}
/** The packet-level `metadata` field of an MQTT message body (3.1.1 connections carry no properties). */
function mqttBodyMetadata(payload) {
    if (!Buffer.isBuffer(payload))
        return undefined;
    try {
        const parsed = JSON.parse(payload.toString('utf8'));
        return parsed !== null && typeof parsed === 'object' ? parsed.metadata : undefined;
    }
    catch {
        return undefined;
    }
}
/**
 * The raw wire metadata of the message being handled, wherever its transport
 * carries it: NATS headers, RabbitMQ message headers, MQTT 5 user properties
 * (else the body's `metadata` field), the packet's `metadata` field on TCP and
 * Redis (`ctx.getMetadata()` on Nest 12, the library's server strategy on both).
 * `undefined` when the sender sent none.
 * @internal
 */
function readIncomingMetadata(rpcContext) {
    if (rpcContext instanceof microservices_1.NatsContext)
        return natsHeaders(rpcContext.getHeaders());
    if (rpcContext instanceof microservices_1.RmqContext) {
        const headers = rpcContext.getMessage().properties?.headers;
        return headers !== null && typeof headers === 'object' && Object.keys(headers).length ? headers : undefined;
    }
    if (rpcContext instanceof microservices_1.KafkaContext) {
        return kafkaHeaders(rpcContext.getMessage().headers);
    }
    if (rpcContext instanceof microservices_1.MqttContext) {
        const packet = rpcContext.getPacket();
        return userProperties(packet.properties?.userProperties) ?? mqttBodyMetadata(packet.payload);
    }
    const fromContext = rpcContext?.getMetadata?.();
    return fromContext ?? exports.incomingPacketMetadata.getStore()?.metadata;
}
