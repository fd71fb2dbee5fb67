import { AsyncLocalStorage } from 'node:async_hooks';
import { KafkaContext, MqttContext, NatsContext, RmqContext } from '@nestjs/microservices';

/**
 * The raw metadata of the packet being handled, set by the library's server
 * strategies (Nest 11's TcpContext and RedisContext have no getMetadata()).
 * @internal
 */
export const incomingPacketMetadata = new AsyncLocalStorage<{ metadata: unknown }>();

interface HeaderMap {
  keys(): Iterable<string>;
  get(key: string): string;
}

/** NATS `MsgHdrs` to a plain map (first value of each key). */
function natsHeaders(headers: HeaderMap | undefined): Record<string, string> | undefined {
  if (!headers || typeof headers.keys !== 'function') return undefined;
  const out: Record<string, string> = {};
  for (const key of headers.keys()) out[key] = headers.get(key);
  return out;
}

/** MQTT 5 user properties (a value may be an array when a key repeats: the first wins). */
function userProperties(props: Record<string, string | string[]> | undefined): Record<string, string> | undefined {
  if (!props || typeof props !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(props)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
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

/** The packet-level `metadata` field of an MQTT message body (3.1.1 connections carry no properties). */
function mqttBodyMetadata(payload: unknown): unknown {
  if (!Buffer.isBuffer(payload)) return undefined;
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { metadata?: unknown } | null;
    return parsed !== null && typeof parsed === 'object' ? parsed.metadata : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The raw wire metadata of the message being handled, wherever its transport
 * carries it: NATS headers, RabbitMQ message headers, MQTT 5 user properties
 * (else the body's `metadata` field), the packet's `metadata` field on TCP and
 * Redis (`ctx.getMetadata()` on Nest 12, the library's server strategy on both).
 * `undefined` when the sender sent none.
 * @internal
 */
export function readIncomingMetadata(rpcContext: unknown): unknown {
  if (rpcContext instanceof NatsContext) return natsHeaders(rpcContext.getHeaders() as HeaderMap | undefined);
  if (rpcContext instanceof RmqContext) {
    const headers = (rpcContext.getMessage() as { properties?: { headers?: unknown } }).properties?.headers;
    return headers !== null && typeof headers === 'object' && Object.keys(headers).length ? headers : undefined;
  }
  if (rpcContext instanceof KafkaContext) {
    return kafkaHeaders((rpcContext.getMessage() as { headers?: Record<string, unknown> }).headers);
  }
  if (rpcContext instanceof MqttContext) {
    const packet = rpcContext.getPacket() as { properties?: { userProperties?: Record<string, string | string[]> }; payload?: unknown };
    return userProperties(packet.properties?.userProperties) ?? mqttBodyMetadata(packet.payload);
  }
  const fromContext = (rpcContext as { getMetadata?: () => unknown } | undefined)?.getMetadata?.();
  return fromContext ?? incomingPacketMetadata.getStore()?.metadata;
}
