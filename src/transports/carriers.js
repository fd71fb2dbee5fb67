"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.carrierFor = carrierFor;
exports.transportOfProxy = transportOfProxy;
exports.systemName = systemName;
const microservices_1 = require("@nestjs/microservices");
const outgoing_message_1 = require("../client/outgoing-message");
const messaging_errors_1 = require("../errors/messaging.errors");
const metadata_keys_1 = require("../metadata/metadata-keys");
const outgoing_1 = require("./outgoing");
const encoder = new TextEncoder();
function mergeMetadata(packet, metadata) {
    return packet.metadata ? { ...packet.metadata, ...metadata } : metadata;
}
/** TCP and Redis: no native headers; the map rides in the packet-level `metadata` field. */
const packetCarrier = (transport) => ({
    transport,
    wrap: (data, metadata) => new outgoing_message_1.OutgoingMessage(data, metadata),
    serialize(packet, inner, options) {
        const env = (0, outgoing_1.asOutgoing)(packet.data);
        if (env) {
            // The packet is the one Nest made for this publish (a new one per attempt): filled in place, not copied.
            packet.metadata = mergeMetadata(packet, env.metadata);
            packet.data = env.data;
        }
        return inner ? inner.serialize(packet, options) : packet;
    },
});
let natsPackage;
/**
 * The NATS client package that the application installed for Nest: Nest 12
 * uses `@nats-io/transport-node`, Nest 11 `nats`. Either one's header objects
 * work with both (nats.js encodes them by their shape).
 */
function loadNats() {
    if (natsPackage)
        return natsPackage;
    const nest12 = typeof microservices_1.ClientProxy.prototype.setOnDispatchHook === 'function';
    const names = nest12 ? ['@nats-io/transport-node', 'nats'] : ['nats', '@nats-io/transport-node'];
    for (const name of names) {
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional package, loaded when first needed
            natsPackage = require(name);
            return natsPackage;
        }
        catch {
            // try the next one
        }
    }
    throw new messaging_errors_1.MessagingConfigurationError(`NATS metadata needs the NATS client package: npm install ${names[0]} (the one your Nest major uses)`);
}
/** NATS: native message headers (a `MsgHdrs`), the body as Nest's NatsRecordSerializer makes it. */
const natsCarrier = {
    transport: microservices_1.Transport.NATS,
    wrap: (data, metadata) => new outgoing_message_1.OutgoingMessage(data, metadata),
    serialize(packet, inner, options) {
        const env = (0, outgoing_1.asOutgoing)(packet.data);
        if (!env) {
            if (inner)
                return inner.serialize(packet, options);
            const record = packet.data instanceof microservices_1.NatsRecord ? packet.data : undefined;
            return {
                data: encoder.encode(JSON.stringify({ ...packet, data: record ? record.data : packet.data })),
                headers: record ? record.headers : packet.headers,
            };
        }
        const record = env.data instanceof microservices_1.NatsRecord ? env.data : undefined;
        const headers = record?.headers ?? loadNats().headers();
        for (const [k, v] of Object.entries(mergeMetadata(packet, env.metadata)))
            headers.set(k, v);
        const data = record ? record.data : env.data;
        const { metadata: _ignored, ...rest } = packet;
        if (inner)
            return inner.serialize({ ...rest, data: new microservices_1.NatsRecord(data, headers) }, options);
        return { data: encoder.encode(JSON.stringify({ ...rest, data })), headers };
    },
};
/** RabbitMQ: AMQP message headers (and `messageId`), through the publish options ClientRMQ takes from the packet. */
const rmqCarrier = {
    transport: microservices_1.Transport.RMQ,
    wrap: (data, metadata) => new outgoing_message_1.OutgoingMessage(data, metadata),
    serialize(packet, inner, options) {
        const env = (0, outgoing_1.asOutgoing)(packet.data);
        if (!env) {
            if (inner)
                return inner.serialize(packet, options);
            return packet.data instanceof microservices_1.RmqRecord ? { ...packet, data: packet.data.data, options: packet.data.options } : packet;
        }
        const metadata = mergeMetadata(packet, env.metadata);
        const record = env.data instanceof microservices_1.RmqRecord ? env.data : undefined;
        const rmqOptions = {
            ...record?.options,
            messageId: metadata[metadata_keys_1.MetadataKeys.messageId],
            headers: { ...record?.options?.headers, ...metadata },
        };
        const data = record ? record.data : env.data;
        const { metadata: _ignored, ...rest } = packet;
        if (inner)
            return inner.serialize({ ...rest, data: new microservices_1.RmqRecord(data, rmqOptions) }, options);
        return { ...rest, data, options: rmqOptions };
    },
};
/**
 * MQTT: MQTT 5 user properties (the envelope is an MqttRecord, see
 * MqttOutgoingMessage) and, for 3.1.1 connections, the packet's `metadata` field.
 */
const mqttCarrier = {
    transport: microservices_1.Transport.MQTT,
    wrap: (data, metadata) => new outgoing_1.MqttOutgoingMessage(data, metadata),
    serialize(packet, inner, options) {
        const env = (0, outgoing_1.asOutgoing)(packet.data);
        let out = packet;
        if (env)
            out = { ...packet, data: env.data, metadata: mergeMetadata(packet, env.metadata) };
        else if (packet.data instanceof microservices_1.MqttRecord)
            out = { ...packet, data: packet.data.data };
        return inner ? inner.serialize(out, options) : JSON.stringify(out);
    },
};
/** Encodes a Kafka key or value as Nest's KafkaRequestSerializer does. */
function encodeKafka(value) {
    if (value === undefined)
        return null;
    if (value === null || typeof value === 'string' || Buffer.isBuffer(value))
        return value;
    const proto = Object.getPrototypeOf(value);
    const plain = Array.isArray(value) || proto === Object.prototype || proto === null;
    return plain || value.toString === Object.prototype.toString
        ? JSON.stringify(value)
        : String(value);
}
/**
 * Kafka: native message headers. ClientKafka hands its serializer the data
 * alone (a value, or a `{ key, value, headers }` message), not the packet.
 * Tested as unit tests only: no Kafka broker runs where the library is tested.
 */
const kafkaCarrier = {
    transport: microservices_1.Transport.KAFKA,
    wrap: (data, metadata) => new outgoing_message_1.OutgoingMessage(data, metadata),
    serialize(value, inner, options) {
        const env = (0, outgoing_1.asOutgoing)(value);
        const data = env ? env.data : value;
        const isMessage = data !== null && typeof data === 'object' && ('key' in data || 'value' in data);
        const message = isMessage ? { ...data } : { value: data };
        if (env)
            message.headers = { ...message.headers, ...env.metadata };
        if (inner)
            return inner.serialize(message, options);
        message.value = encodeKafka(message.value);
        if (message.key !== undefined && message.key !== null)
            message.key = encodeKafka(message.key);
        message.headers ??= {};
        return message;
    },
};
/** The carrier of a transport. @internal */
function carrierFor(transport) {
    switch (transport) {
        case microservices_1.Transport.NATS:
            return natsCarrier;
        case microservices_1.Transport.RMQ:
            return rmqCarrier;
        case microservices_1.Transport.MQTT:
            return mqttCarrier;
        case microservices_1.Transport.REDIS:
            return packetCarrier(microservices_1.Transport.REDIS);
        case microservices_1.Transport.KAFKA:
            return kafkaCarrier;
        default:
            return packetCarrier(microservices_1.Transport.TCP);
    }
}
/**
 * The transport of a ClientProxy, from its class (`undefined` for a custom
 * transport, which then gets the packet-field carrier).
 * @internal
 */
function transportOfProxy(proxy) {
    if (proxy instanceof microservices_1.ClientTCP)
        return microservices_1.Transport.TCP;
    if (proxy instanceof microservices_1.ClientNats)
        return microservices_1.Transport.NATS;
    if (proxy instanceof microservices_1.ClientRMQ)
        return microservices_1.Transport.RMQ;
    if (proxy instanceof microservices_1.ClientMqtt)
        return microservices_1.Transport.MQTT;
    if (proxy instanceof microservices_1.ClientRedis)
        return microservices_1.Transport.REDIS;
    if (proxy instanceof microservices_1.ClientKafka)
        return microservices_1.Transport.KAFKA;
    return undefined;
}
/** The transport's name as messaging conventions spell it (OpenTelemetry's `messaging.system`). @internal */
function systemName(transport) {
    switch (transport) {
        case microservices_1.Transport.TCP:
            return 'tcp';
        case microservices_1.Transport.REDIS:
            return 'redis';
        case microservices_1.Transport.NATS:
            return 'nats';
        case microservices_1.Transport.MQTT:
            return 'mqtt';
        case microservices_1.Transport.RMQ:
            return 'rabbitmq';
        case microservices_1.Transport.KAFKA:
            return 'kafka';
        case microservices_1.Transport.GRPC:
            return 'grpc';
        default:
            return 'unknown';
    }
}
