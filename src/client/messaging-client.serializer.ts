import { Transport, type Serializer } from '@nestjs/microservices';
import { carrierFor, type Carrier, type OutgoingPacket } from '../wire/carriers';

/**
 * The client serializer that puts a call's metadata on the wire, where the
 * transport carries it:
 *
 * | transport | where |
 * |---|---|
 * | TCP, Redis | the packet-level `metadata` field (Nest 12 servers show it through `ctx.getMetadata()`) |
 * | NATS | message headers |
 * | RabbitMQ | AMQP message headers (and `messageId`) |
 * | MQTT | MQTT 5 user properties, and the packet's `metadata` field for 3.1.1 |
 *
 * Servers of both majors ignore what they do not use, so plain handlers see the
 * bare payload. It then hands the packet to `inner`, the serializer the
 * transport would have used (the transport's default when none is given).
 * It stays synchronous when `inner` is: most Nest clients do not await serializers.
 *
 * `MessagingModule` adds it to the clients it builds. Give it yourself to a
 * ClientProxy made elsewhere, naming the transport.
 *
 * @example
 * // A ClientsModule client that MessagingModule wraps (`useExisting`):
 * ClientsModule.register([{ name: 'USERS', transport: Transport.NATS,
 *   options: { servers: ['nats://127.0.0.1:4222'], serializer: new MessagingClientSerializer(undefined, Transport.NATS) } }]);
 */
export class MessagingClientSerializer implements Serializer {
  private readonly carrier: Carrier;

  /**
   * @param inner the serializer to run after the metadata is placed (default: the transport's own).
   * @param transport the transport of the client (default TCP; Redis behaves the same).
   */
  constructor(
    private readonly inner?: Serializer,
    transport: Transport = Transport.TCP,
  ) {
    this.carrier = carrierFor(transport);
  }

  /** The transport this serializer writes for. */
  get transport(): Transport {
    return this.carrier.transport;
  }

  serialize(value: unknown, options?: Record<string, unknown>): unknown {
    return this.carrier.serialize(value as OutgoingPacket, this.inner, options);
  }
}
