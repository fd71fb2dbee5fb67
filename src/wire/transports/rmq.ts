import { RmqContext, RmqRecord, Transport } from '@nestjs/microservices';
import { MetadataKeys } from '../metadata-keys';
import { asOutgoing, OutgoingMessage } from '../outgoing-message';
import { mergeMetadata, type Carrier } from './carrier';

/**
 * RabbitMQ: AMQP message headers (and `messageId`), through the publish
 * options ClientRMQ takes from the packet. Read back from the delivered
 * message's `properties.headers` (`RmqContext.getMessage()`).
 * @internal
 */
export const rmqCarrier: Carrier = {
  transport: Transport.RMQ,
  system: 'rabbitmq',
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
  read(context) {
    if (!(context instanceof RmqContext)) return undefined;
    const headers = (context.getMessage() as { properties?: { headers?: unknown } }).properties?.headers;
    return headers !== null && typeof headers === 'object' && Object.keys(headers).length ? headers : undefined;
  },
};
