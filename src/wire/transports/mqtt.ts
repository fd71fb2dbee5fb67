import { MqttContext, MqttRecord, Transport } from '@nestjs/microservices';
import type { WireMetadata } from '../message-metadata';
import { asOutgoing, brandEnvelope } from '../outgoing-message';
import { mergeMetadata, type Carrier, type OutgoingPacket } from './carrier';

/**
 * The MQTT envelope: an `MqttRecord` (ClientMqtt reads publish options only
 * from an `MqttRecord` payload, before the serializer runs) whose options put
 * the metadata in MQTT 5 user properties. The serializer also writes the map
 * into the packet's `metadata` field, for MQTT 3.1.1 connections, which drop
 * properties.
 * @internal
 */
export class MqttOutgoingMessage<T = unknown> extends MqttRecord<T> {
  constructor(
    data: T,
    readonly metadata: WireMetadata,
    /** The publish options of the MqttRecord the caller sent (QoS, retain, MQTT 5 properties), kept. */
    options?: MqttRecord['options'],
  ) {
    const properties = options?.properties;
    const own = properties?.userProperties as Record<string, string | string[]> | undefined;
    super(data, { ...options, properties: { ...properties, userProperties: { ...own, ...metadata } } });
    brandEnvelope(this);
  }

  toJSON(): T {
    return this.data;
  }
}

/** MQTT 5 user properties (a value may be an array when a key repeats: the first wins). */
function userProperties(props: Record<string, string | string[]> | undefined): Record<string, string> | undefined {
  if (!props || typeof props !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(props)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/**
 * MQTT: MQTT 5 user properties (the envelope is an MqttRecord, see
 * MqttOutgoingMessage) and, for 3.1.1 connections, the packet's `metadata`
 * field. Read back from the packet's user properties, else the body's field.
 * @internal
 */
export const mqttCarrier: Carrier = {
  transport: Transport.MQTT,
  system: 'mqtt',
  // A caller's MqttRecord (MqttRecordBuilder) is unwrapped: its data is the payload, its options the publish's.
  wrap: (data, metadata) =>
    data instanceof MqttRecord ? new MqttOutgoingMessage(data.data, metadata, data.options) : new MqttOutgoingMessage(data, metadata),
  serialize(packet, inner, options) {
    const env = asOutgoing(packet.data);
    let out: OutgoingPacket = packet;
    if (env) out = { ...packet, data: env.data, metadata: mergeMetadata(packet, env.metadata) };
    else if (packet.data instanceof MqttRecord) out = { ...packet, data: packet.data.data };
    return inner ? inner.serialize(out, options) : JSON.stringify(out);
  },
  read(context, packetField) {
    if (!(context instanceof MqttContext)) return packetField;
    const packet = context.getPacket() as { properties?: { userProperties?: Record<string, string | string[]> } };
    return userProperties(packet.properties?.userProperties) ?? packetField;
  },
};
