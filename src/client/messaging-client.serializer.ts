import type { Serializer } from '@nestjs/microservices';
import { OutgoingMessage } from './outgoing-message';

interface Packet {
  data?: unknown;
  metadata?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The client serializer that puts a call's metadata on the wire. On TCP and
 * Redis it writes the packet-level `metadata` field, which a Nest 12 server
 * shows through `ctx.getMetadata()` and the library's server strategy shows
 * on Nest 11 (servers of both majors ignore the field otherwise, so plain
 * handlers see the bare payload). It then hands the packet to `inner`, the
 * serializer the transport would have used.
 *
 * It stays synchronous when `inner` is: ClientTCP does not await serializers.
 *
 * @example
 * // A ClientsModule client that MessagingModule wraps (`useExisting`):
 * ClientsModule.register([{ name: 'USERS', transport: Transport.TCP,
 *   options: { port: 3001, serializer: new MessagingClientSerializer() } }]);
 */
export class MessagingClientSerializer implements Serializer {
  constructor(private readonly inner?: Serializer) {}

  serialize(value: unknown, options?: Record<string, unknown>): unknown {
    let packet = value as Packet;
    const data = packet?.data;
    if (data instanceof OutgoingMessage) {
      packet = {
        ...packet,
        data: data.data,
        metadata: packet.metadata ? { ...packet.metadata, ...data.metadata } : data.metadata,
      };
    }
    return this.inner ? this.inner.serialize(packet, options) : packet;
  }
}
