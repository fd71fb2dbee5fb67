import { Transport } from '@nestjs/microservices';
import { packetFieldCarrier } from './packet-field';

/** TCP: the packet-level `metadata` field (see packet-field.ts). @internal */
export const tcpCarrier = packetFieldCarrier(Transport.TCP, 'tcp');
