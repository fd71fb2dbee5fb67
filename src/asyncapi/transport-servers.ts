import { Transport } from '@nestjs/microservices';
import type { AsyncApiServer, JsonSchema } from './asyncapi.types';

/** A transport and Nest's options for it: a server's (`messagingMicroservice` options) or a client's. @internal */
export interface TransportTarget {
  readonly transport?: Transport | symbol;
  readonly options?: object;
}

type Options = Record<string, unknown>;

const NAMES: Readonly<Record<number, string>> = {
  [Transport.TCP]: 'TCP',
  [Transport.REDIS]: 'Redis',
  [Transport.NATS]: 'NATS',
  [Transport.MQTT]: 'MQTT',
  [Transport.RMQ]: 'RabbitMQ',
  [Transport.KAFKA]: 'Kafka',
  [Transport.GRPC]: 'gRPC',
};

/** The transport's name, e.g. `'NATS'`. @internal */
export function transportName(transport: Transport | symbol | undefined): string {
  return typeof transport === 'number' ? (NAMES[transport] ?? `transport ${transport}`) : String(transport ?? 'TCP');
}

/**
 * The AsyncAPI server object of a transport target. Credentials in URLs are
 * never copied. TCP and Redis, for which AsyncAPI defines no bindings, say in
 * the description how Nest frames messages and where the metadata rides.
 * @internal
 */
export function serverObject(target: TransportTarget, role: string): AsyncApiServer | undefined {
  const o = (target.options ?? {}) as Options;
  switch (target.transport ?? Transport.TCP) {
    case Transport.TCP:
      return {
        host: `${str(o.host) ?? 'localhost'}:${num(o.port) ?? 3000}`,
        protocol: 'tcp',
        title: `${role} (Nest TCP)`,
        description:
          'Nest TCP transport. Each frame is `<length>#<json>` (the length in JavaScript characters). A request is ' +
          '`{"pattern","data","id","metadata"}` (an event has no id); the message metadata (the headers below) rides in ' +
          "the packet's `metadata` field. Replies come back on the same connection as `{\"response\"|\"err\",\"id\",\"isDisposed\"}`.",
      };
    case Transport.REDIS:
      return {
        host: `${str(o.host) ?? 'localhost'}:${num(o.port) ?? 6379}`,
        protocol: 'redis',
        title: `${role} (Nest Redis)`,
        description:
          "Nest Redis transport (pub/sub). A message is published on the Redis channel named by the pattern's route as " +
          "`{\"pattern\",\"data\",\"id\",\"metadata\"}`; the message metadata (the headers below) rides in the packet's `metadata` field. " +
          'Replies are published on `<route>.reply`.',
      };
    case Transport.NATS: {
      const urls = list(o.servers ?? o.url);
      const url = parse(urls[0] ?? 'nats://localhost:4222', 'nats:');
      return {
        host: url.host,
        protocol: 'nats',
        title: `${role} (Nest NATS)`,
        description:
          "Nest NATS transport. The subject is the pattern's route, the body `{\"pattern\",\"data\",\"id\"}`; the message metadata " +
          "travels as NATS headers. Replies are sent to the request's inbox." +
          (urls.length > 1 ? ` Other servers: ${urls.slice(1).map((u) => parse(u, 'nats:').host).join(', ')}.` : ''),
      };
    }
    case Transport.RMQ: {
      const first = list(o.urls)[0];
      const url = typeof first === 'object' && first !== null ? amqpUrl(first as Options) : parse(first ?? 'amqp://localhost:5672', 'amqp:');
      const vhost = decodeURIComponent(url.pathname.replace(/^\//, ''));
      return {
        host: url.host,
        protocol: url.protocol === 'amqps:' ? 'amqps' : 'amqp',
        protocolVersion: '0.9.1',
        ...(vhost ? { pathname: `/${vhost}` } : {}),
        title: `${role} (Nest RabbitMQ)`,
        description:
          `Nest RabbitMQ transport. Every pattern shares the queue '${str(o.queue) ?? ''}'; the body is ` +
          "`{\"pattern\",\"data\",\"id\"}`, the message metadata travels as AMQP headers (and `messageId`). " +
          "Replies go to the request's replyTo queue.",
      };
    }
    case Transport.MQTT: {
      const url = parse(str(o.url) ?? 'mqtt://localhost:1883', 'mqtt:');
      return {
        host: url.host,
        protocol: url.protocol === 'mqtts:' ? 'secure-mqtt' : 'mqtt',
        protocolVersion: String(num(o.protocolVersion) ?? 5),
        title: `${role} (Nest MQTT)`,
        description:
          "Nest MQTT transport. The topic is the pattern's route, the body `{\"pattern\",\"data\",\"id\",\"metadata\"}`; the message " +
          'metadata also travels as MQTT 5 user properties. Replies are published on `<route>/reply`.',
      };
    }
    default:
      return undefined;
  }
}

/** The AsyncAPI protocol of a transport target (the key of its bindings). @internal */
export function protocolOf(target: TransportTarget): string | undefined {
  return serverObject(target, '')?.protocol;
}

/** Channel bindings of a transport target: the queue of a RabbitMQ server. @internal */
export function channelBindings(target: TransportTarget): Record<string, JsonSchema> {
  const o = (target.options ?? {}) as Options;
  if (target.transport !== Transport.RMQ || !str(o.queue)) return {};
  const queueOptions = (o.queueOptions ?? {}) as Options;
  const queue: JsonSchema = { name: str(o.queue) };
  for (const key of ['durable', 'exclusive', 'autoDelete'] as const) {
    if (typeof queueOptions[key] === 'boolean') queue[key] = queueOptions[key];
  }
  return { amqp: { is: 'queue', queue, bindingVersion: '0.3.0' } };
}

/** Operation bindings of a receiving server: the NATS queue group, the MQTT subscription's QoS. @internal */
export function receiveBindings(target: TransportTarget): Record<string, JsonSchema> {
  const o = (target.options ?? {}) as Options;
  if (target.transport === Transport.NATS && str(o.queue)) return { nats: { queue: str(o.queue), bindingVersion: '0.1.0' } };
  const qos = num(((o.subscribeOptions ?? {}) as Options).qos);
  if (target.transport === Transport.MQTT && qos !== undefined) return { mqtt: { qos, bindingVersion: '0.2.0' } };
  return {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function parse(value: unknown, protocol: string): URL {
  const text = String(value);
  try {
    return new URL(text.includes('://') ? text : `${protocol}//${text}`);
  } catch {
    return new URL(`${protocol}//localhost`);
  }
}

function amqpUrl(o: Options): URL {
  const url = new URL(`${str(o.protocol) ?? 'amqp'}://${str(o.hostname) ?? 'localhost'}:${num(o.port) ?? 5672}`);
  if (str(o.vhost)) url.pathname = `/${encodeURIComponent(str(o.vhost)!)}`;
  return url;
}
