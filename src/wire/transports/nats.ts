import { NatsContext, NatsRecord, Transport } from '@nestjs/microservices';
import { MessagingConfigurationError } from '../../errors/messaging.errors';
import { NATS_PACKAGES } from '../../nest/features';
import { asOutgoing, OutgoingMessage } from '../outgoing-message';
import { mergeMetadata, type Carrier } from './carrier';

interface NatsHeaders {
  set(key: string, value: string): void;
}
interface NatsHeaderMap {
  keys(): Iterable<string>;
  get(key: string): string;
}
interface NatsPackage {
  headers(): NatsHeaders;
}
let natsPackage: NatsPackage | undefined;
const encoder = new TextEncoder();

/**
 * The NATS client package that the application installed for Nest. Either
 * one's header objects work with both majors (nats.js encodes them by shape).
 */
function loadNats(): NatsPackage {
  if (natsPackage) return natsPackage;
  for (const name of NATS_PACKAGES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional package, loaded when first needed
      natsPackage = require(name) as NatsPackage;
      return natsPackage;
    } catch {
      // try the next one
    }
  }
  throw new MessagingConfigurationError(
    `NATS metadata needs the NATS client package: npm install ${NATS_PACKAGES[0]} (the one your Nest major uses)`,
  );
}

/** NATS `MsgHdrs` to a plain map (first value of each key). @internal */
export function natsHeadersToMap(headers: unknown): Record<string, string> | undefined {
  const h = headers as NatsHeaderMap | undefined;
  if (!h || typeof h.keys !== 'function') return undefined;
  const out: Record<string, string> = {};
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

/**
 * NATS: native message headers (a `MsgHdrs`); the body as Nest's
 * NatsRecordSerializer makes it. Read back from `NatsContext.getHeaders()`.
 * @internal
 */
export const natsCarrier: Carrier = {
  transport: Transport.NATS,
  system: 'nats',
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
  read: (context) => (context instanceof NatsContext ? natsHeadersToMap(context.getHeaders()) : undefined),
};
