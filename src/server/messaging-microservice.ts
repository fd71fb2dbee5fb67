import {
  Transport,
  type CustomStrategy,
  type GrpcOptions,
  type MqttOptions,
  type NatsOptions,
  type RedisOptions,
  type RmqOptions,
  type TcpOptions,
} from '@nestjs/microservices';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { MessagingServerGrpc } from './messaging-server-grpc';
import { MessagingServerMqtt } from './messaging-server-mqtt';
import { MessagingServerNats } from './messaging-server-nats';
import { MessagingServerRedis } from './messaging-server-redis';
import { MessagingServerRMQ } from './messaging-server-rmq';
import { MessagingServerTCP } from './messaging-server-tcp';
import { checkServerOptions, type MessagingServerOptions } from './server.options';

/** Microservice options that {@link messagingMicroservice} accepts: Nest's own, for a supported transport. */
export type MessagingMicroserviceOptions = TcpOptions | RedisOptions | NatsOptions | RmqOptions | MqttOptions | GrpcOptions;

/**
 * Turns Nest's microservice options into options whose server runs the
 * library's inbound pipeline for every message, on Nest 11 and 12 alike: the
 * message context (correlation and causation ids, the deadline, an
 * `AbortSignal`) opens when the message is read; the library's handlers
 * (`@MessageHandler`, `@EventHandler`) get their payload limits, dedupe and
 * contract decoding there, with the defaults of `server.handlers`, whichever
 * module declares them. Pass the result to `app.connectMicroservice()` or
 * `NestFactory.createMicroservice()`.
 *
 * Per transport: the metadata rides in the packet's `metadata` field on TCP
 * and Redis, in headers on NATS and RabbitMQ, in user properties on MQTT
 * (which defaults to `protocolVersion: 5`), in gRPC metadata on gRPC (whose
 * deadline is the call's own: see {@link MessagingServerGrpc}). RabbitMQ gets manual
 * acknowledgement after the handler, a prefetch limit and a dead-letter queue
 * (see {@link MessagingServerRMQ}; `noAck: true` turns that off). On every
 * transport, `server.gracePeriod` drains on close: the server stops taking
 * new messages (TCP refuses them, Redis and MQTT unsubscribe, NATS drains its
 * subscriptions, RabbitMQ cancels its consumer), lets the handlers in flight
 * finish and reply, then closes.
 *
 * Nest loads the broker's client package (`ioredis`, `nats` or
 * `@nats-io/transport-node`, `amqplib` + `amqp-connection-manager`, `mqtt`,
 * `@grpc/grpc-js` + `@grpc/proto-loader`)
 * and exits the process when it is missing: install the one you use.
 *
 * @param server the library's server options: handler defaults, instrumentation, RabbitMQ delivery, graceful shutdown.
 * @throws MessagingConfigurationError for a transport this version does not support, or invalid server options.
 * @example
 * app.connectMicroservice(
 *   messagingMicroservice({ transport: Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } }, { handlers: { exposeErrors: false } }),
 * );
 */
export function messagingMicroservice(
  options: MessagingMicroserviceOptions,
  server: MessagingServerOptions = {},
): CustomStrategy {
  const transport = options.transport ?? Transport.TCP;
  const problems = checkServerOptions(server);
  if (problems.length) throw new MessagingConfigurationError(problems.join('; '));
  switch (transport) {
    case Transport.TCP:
      return { strategy: new MessagingServerTCP((options as TcpOptions).options, server) };
    case Transport.REDIS:
      return { strategy: new MessagingServerRedis((options as RedisOptions).options, server) };
    case Transport.NATS:
      return { strategy: new MessagingServerNats((options as NatsOptions).options, server) };
    case Transport.RMQ:
      return { strategy: new MessagingServerRMQ((options as RmqOptions).options, server) };
    case Transport.MQTT:
      return { strategy: new MessagingServerMqtt((options as MqttOptions).options, server) };
    case Transport.GRPC:
      return { strategy: new MessagingServerGrpc((options as GrpcOptions).options, server) };
    default:
      throw new MessagingConfigurationError(
        `messagingMicroservice: transport ${String(transport)} is not supported; use TCP, REDIS, NATS, RMQ, MQTT or GRPC (see docs/transports.md#compatibility)`,
      );
  }
}
