import { Transport } from '@nestjs/microservices';
import { packetFieldCarrier } from './packet-field';

/** Redis: the packet-level `metadata` field of the published JSON (see packet-field.ts). @internal */
export const redisCarrier = packetFieldCarrier(Transport.REDIS, 'redis');
