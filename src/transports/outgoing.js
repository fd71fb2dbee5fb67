"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MqttOutgoingMessage = void 0;
exports.asOutgoing = asOutgoing;
const microservices_1 = require("@nestjs/microservices");
const outgoing_message_1 = require("../client/outgoing-message");
/**
 * The MQTT envelope: an `MqttRecord` (ClientMqtt reads publish options only
 * from an `MqttRecord` payload, before the serializer runs) whose options put
 * the metadata in MQTT 5 user properties. The serializer also writes the map
 * into the packet's `metadata` field, for MQTT 3.1.1 connections, which drop
 * properties.
 * @internal
 */
class MqttOutgoingMessage extends microservices_1.MqttRecord {
    metadata;
    constructor(data, metadata) {
        super(data, { properties: { userProperties: { ...metadata } } });
        this.metadata = metadata;
    }
    toJSON() {
        return this.data;
    }
}
exports.MqttOutgoingMessage = MqttOutgoingMessage;
/** The envelope of `value`, when it is one of the library's. @internal */
function asOutgoing(value) {
    return value instanceof outgoing_message_1.OutgoingMessage || value instanceof MqttOutgoingMessage ? value : undefined;
}
