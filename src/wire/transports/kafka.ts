import { KafkaContext, Transport } from '@nestjs/microservices';
import { asOutgoing, OutgoingMessage } from '../outgoing-message';
import type { Carrier } from './carrier';

interface KafkaMessageLike {
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Encodes a Kafka key or value as Nest's KafkaRequestSerializer does. */
function encodeKafka(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value === 'string' || Buffer.isBuffer(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = Array.isArray(value) || proto === Object.prototype || proto === null;
  return plain || (value as { toString: unknown }).toString === Object.prototype.toString
    ? JSON.stringify(value)
    : String(value);
}

/** Kafka message headers (Buffers, strings, or arrays of them when a key repeats: the first wins) as strings. */
function kafkaHeaders(headers: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(headers)) {
    const first = Array.isArray(raw) ? (raw[0] as unknown) : raw;
    if (typeof first === 'string') out[key] = first;
    else if (Buffer.isBuffer(first)) out[key] = first.toString('utf8');
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Kafka: native message headers. ClientKafka hands its serializer the data
 * alone (a value, or a `{ key, value, headers }` message), not the packet.
 * Tested as unit tests only: no Kafka broker runs where the library is tested.
 * @internal
 */
export const kafkaCarrier: Carrier = {
  transport: Transport.KAFKA,
  system: 'kafka',
  wrap: (data, metadata) => new OutgoingMessage(data, metadata),
  serialize(value, inner, options) {
    const env = asOutgoing(value);
    const data: unknown = env ? env.data : value;
    const isMessage = data !== null && typeof data === 'object' && ('key' in data || 'value' in data);
    const message: KafkaMessageLike = isMessage ? { ...(data as KafkaMessageLike) } : { value: data };
    if (env) message.headers = { ...message.headers, ...env.metadata };
    if (inner) return inner.serialize(message, options);
    message.value = encodeKafka(message.value);
    if (message.key !== undefined && message.key !== null) message.key = encodeKafka(message.key);
    message.headers ??= {};
    return message;
  },
  read: (context) =>
    context instanceof KafkaContext
      ? kafkaHeaders((context.getMessage() as { headers?: Record<string, unknown> }).headers)
      : undefined,
};
