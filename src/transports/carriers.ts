import {
  ClientKafka,
  ClientMqtt,
  ClientNats,
  ClientProxy,
  ClientRedis,
  ClientRMQ,
  ClientTCP,
  MqttRecord,
  NatsRecord,
  RmqRecord,
  Transport,
  type Serializer,
} from '@nestjs/microservices';
import { OutgoingMessage } from '../client/outgoing-message';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { MetadataKeys } from '../metadata/metadata-keys';
import type { WireMetadata } from '../metadata/message-metadata';
import { asOutgoing, MqttOutgoingMessage } from './outgoing';

/** What a client serializer receives: `{ pattern, data, id }` (`id` only for requests). @internal */
export interface OutgoingPacket {
  data?: unknown;
  metadata?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * How the metadata map rides on one transport, on the client side: the
 * envelope MessagingClient hands to the ClientProxy, and what the serializer
 * makes of a packet (with or without an envelope). One per transport.
 * @internal
 */
export interface Carrier {
  /** The transport this carrier serves. */
  readonly transport: Transport;
  /** The envelope of a payload and its metadata, passed to `ClientProxy.send/emit`. */
  wrap(data: unknown, metadata: WireMetadata): unknown;
  /**
   * The serializer's output for `packet`: the metadata placed where the
   * transport carries it, then `inner` (the serializer the user gave) or the
   * transport's default serializer.
   */
  serialize(packet: OutgoingPacket, inner: Serializer | undefined, options?: Record<string, unknown>): unknown;
}

const encoder = new TextEncoder();

function mergeMetadata(packet: OutgoingPacket, metadata: WireMetadata): WireMetadata {
  return packet.metadata ? { ...packet.metadata, ...metadata } : metadata;
}

/** TCP and Redis: no native headers; the map rides in the packet-level `metadata` field. */
const packetCarrier = (transport: Transport): Carrier => ({
  transport,
  wrap: (data, metadata) => new OutgoingMessage(data, metadata),
  serialize(packet, inner, options) {
    const env = asOutgoing(packet.data);
    if (env) {
      // The packet is the one Nest made for this publish (a new one per attempt): filled in place, not copied.
      packet.metadata = mergeMetadata(packet, env.metadata);
      packet.data = env.data;
    }
    return inner ? inner.serialize(packet, options) : packet;
  },
});

interface NatsHeaders {
  set(key: string, value: string): void;
}
interface NatsPackage {
  headers(): NatsHeaders;
}
let natsPackage: NatsPackage | undefined;

/**
 * The NATS client package that the application installed for Nest: Nest 12
 * uses `@nats-io/transport-node`, Nest 11 `nats`. Either one's header objects
 * work with both (nats.js encodes them by their shape).
 */
function loadNats(): NatsPackage {
  if (natsPackage) return natsPackage;
  const nest12 = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function';
  const names = nest12 ? ['@nats-io/transport-node', 'nats'] : ['nats', '@nats-io/transport-node'];
  for (const name of names) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional package, loaded when first needed
      natsPackage = require(name) as NatsPackage;
      return natsPackage;
    } catch {
      // try the next one
    }
  }
  throw new MessagingConfigurationError(
    `NATS metadata needs the NATS client package: npm install ${names[0]} (the one your Nest major uses)`,
  );
}

/** NATS: native message headers (a `MsgHdrs`), the body as Nest's NatsRecordSerializer makes it. */
const natsCarrier: Carrier = {
  transport: Transport.NATS,
  wrap: (data, metadata) => new OutgoingMessage(data, metadata),
  serialize(packet, inner, options) {
    const env = asOutgoing(packet.data);
    if (!env) {
      if (inner) return inner.serialize(packet, options);
      const record = packet.data instanceof NatsRecord ? packet.data : undefined;
      return {
        data: encoder.encode(JSON.stringify({ ...packet, data: record ? record.data : packet.data })),
        headers: record ? record.headers : (packet as { headers?: unknown }).headers,
      };
    }
    const record = env.data instanceof NatsRecord ? env.data : undefined;
    const headers = (record?.headers as NatsHeaders | undefined) ?? loadNats().headers();
    for (const [k, v] of Object.entries(mergeMetadata(packet, env.metadata))) headers.set(k, v);
    const data = record ? record.data : env.data;
    const { metadata: _ignored, ...rest } = packet;
    if (inner) return inner.serialize({ ...rest, data: new NatsRecord(data, headers) }, options);
    return { data: encoder.encode(JSON.stringify({ ...rest, data })), headers };
  },
};

/** RabbitMQ: AMQP message headers (and `messageId`), through the publish options ClientRMQ takes from the packet. */
const rmqCarrier: Carrier = {
  transport: Transport.RMQ,
  wrap: (data, metadata) => new OutgoingMessage(data, metadata),
  serialize(packet, inner, options) {
    const env = asOutgoing(packet.data);
    if (!env) {
      if (inner) return inner.serialize(packet, options);
      return packet.data instanceof RmqRecord ? { ...packet, data: packet.data.data, options: packet.data.options } : packet;
    }
    const metadata = mergeMetadata(packet, env.metadata);
    const record = env.data instanceof RmqRecord ? env.data : undefined;
    const rmqOptions = {
      ...record?.options,
      messageId: metadata[MetadataKeys.messageId],
      headers: { ...record?.options?.headers, ...metadata },
    };
    const data = record ? record.data : env.data;
    const { metadata: _ignored, ...rest } = packet;
    if (inner) return inner.serialize({ ...rest, data: new RmqRecord(data, rmqOptions) }, options);
    return { ...rest, data, options: rmqOptions };
  },
};

/**
 * MQTT: MQTT 5 user properties (the envelope is an MqttRecord, see
 * MqttOutgoingMessage) and, for 3.1.1 connections, the packet's `metadata` field.
 */
const mqttCarrier: Carrier = {
  transport: Transport.MQTT,
  wrap: (data, metadata) => new MqttOutgoingMessage(data, metadata),
  serialize(packet, inner, options) {
    const env = asOutgoing(packet.data);
    let out: OutgoingPacket = packet;
    if (env) out = { ...packet, data: env.data, metadata: mergeMetadata(packet, env.metadata) };
    else if (packet.data instanceof MqttRecord) out = { ...packet, data: packet.data.data };
    return inner ? inner.serialize(out, options) : JSON.stringify(out);
  },
};

interface KafkaMessageLike {
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Encodes a Kafka key or value as Nest's KafkaRequestSerializer does. */
function encodeKafka(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value === 'string' || Buffer.isBuffer(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = Array.isArray(value) || proto === Object.prototype || proto === null;
  return plain || (value as { toString: unknown }).toString === Object.prototype.toString
    ? JSON.stringify(value)
    : String(value);
}

/**
 * Kafka: native message headers. ClientKafka hands its serializer the data
 * alone (a value, or a `{ key, value, headers }` message), not the packet.
 * Tested as unit tests only: no Kafka broker runs where the library is tested.
 */
const kafkaCarrier: Carrier = {
  transport: Transport.KAFKA,
  wrap: (data, metadata) => new OutgoingMessage(data, metadata),
  serialize(value, inner, options) {
    const env = asOutgoing(value);
    const data: unknown = env ? env.data : value;
    const isMessage = data !== null && typeof data === 'object' && ('key' in data || 'value' in data);
    const message: KafkaMessageLike = isMessage ? { ...(data as KafkaMessageLike) } : { value: data };
    if (env) message.headers = { ...message.headers, ...env.metadata };
    if (inner) return inner.serialize(message, options);
    message.value = encodeKafka(message.value);
    if (message.key !== undefined && message.key !== null) message.key = encodeKafka(message.key);
    message.headers ??= {};
    return message;
  },
};

/** The carrier of a transport. @internal */
export function carrierFor(transport: Transport | undefined): Carrier {
  switch (transport) {
    case Transport.NATS:
      return natsCarrier;
    case Transport.RMQ:
      return rmqCarrier;
    case Transport.MQTT:
      return mqttCarrier;
    case Transport.REDIS:
      return packetCarrier(Transport.REDIS);
    case Transport.KAFKA:
      return kafkaCarrier;
    default:
      return packetCarrier(Transport.TCP);
  }
}

/**
 * The transport of a ClientProxy, from its class (`undefined` for a custom
 * transport, which then gets the packet-field carrier).
 * @internal
 */
export function transportOfProxy(proxy: ClientProxy): Transport | undefined {
  if (proxy instanceof ClientTCP) return Transport.TCP;
  if (proxy instanceof ClientNats) return Transport.NATS;
  if (proxy instanceof ClientRMQ) return Transport.RMQ;
  if (proxy instanceof ClientMqtt) return Transport.MQTT;
  if (proxy instanceof ClientRedis) return Transport.REDIS;
  if (proxy instanceof ClientKafka) return Transport.KAFKA;
  return undefined;
}

/** The transport's name as messaging conventions spell it (OpenTelemetry's `messaging.system`). @internal */
export function systemName(transport: Transport | undefined): string {
  switch (transport) {
    case Transport.TCP:
      return 'tcp';
    case Transport.REDIS:
      return 'redis';
    case Transport.NATS:
      return 'nats';
    case Transport.MQTT:
      return 'mqtt';
    case Transport.RMQ:
      return 'rabbitmq';
    case Transport.KAFKA:
      return 'kafka';
    case Transport.GRPC:
      return 'grpc';
    default:
      return 'unknown';
  }
}
