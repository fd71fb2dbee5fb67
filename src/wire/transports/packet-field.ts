import type { Transport } from '@nestjs/microservices';
import { asOutgoing, OutgoingMessage } from '../outgoing-message';
import { mergeMetadata, type Carrier } from './carrier';

/**
 * Transports without native headers (TCP, Redis): the map rides in the
 * packet-level `metadata` field, beside `pattern`, `data` and `id`. Servers of
 * both majors ignore it; Nest 12's TcpContext and RedisContext show it through
 * `getMetadata()`, and the library's server strategies read it off the packet
 * on both majors.
 * @internal
 */
export function packetFieldCarrier(transport: Transport, system: string): Carrier {
  return {
    transport,
    system,
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
    read: (_context, packetField) => packetField,
  };
}
