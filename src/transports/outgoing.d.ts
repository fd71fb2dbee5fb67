import { MqttRecord } from '@nestjs/microservices';
import type { WireMetadata } from '../metadata/message-metadata';
/**
 * The MQTT envelope: an `MqttRecord` (ClientMqtt reads publish options only
 * from an `MqttRecord` payload, before the serializer runs) whose options put
 * the metadata in MQTT 5 user properties. The serializer also writes the map
 * into the packet's `metadata` field, for MQTT 3.1.1 connections, which drop
 * properties.
 * @internal
 */
export declare class MqttOutgoingMessage<T = unknown> extends MqttRecord<T> {
    readonly metadata: WireMetadata;
    constructor(data: T, metadata: WireMetadata);
    toJSON(): T;
}
/** A payload with its metadata, however it is wrapped. @internal */
export interface Outgoing {
    readonly data: unknown;
    readonly metadata: WireMetadata;
}
/** The envelope of `value`, when it is one of the library's. @internal */
export declare function asOutgoing(value: unknown): Outgoing | undefined;
