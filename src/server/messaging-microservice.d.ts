import { type CustomStrategy, type MqttOptions, type NatsOptions, type RedisOptions, type RmqOptions, type TcpOptions } from '@nestjs/microservices';
import { type MessagingServerOptions } from './server.options';
/** Microservice options that {@link messagingMicroservice} accepts: Nest's own, for a supported transport. */
export type MessagingMicroserviceOptions = TcpOptions | RedisOptions | NatsOptions | RmqOptions | MqttOptions;
/**
 * Turns Nest's microservice options into options whose server carries the
 * library's metadata to handlers on Nest 11 and 12 alike. Pass the result to
 * `app.connectMicroservice()` or `NestFactory.createMicroservice()`.
 *
 * Per transport: TCP and Redis get a server that exposes the packet's
 * `metadata` field on Nest 11 too; NATS gets Nest's server as it is (headers
 * are native); MQTT defaults to `protocolVersion: 5` (user properties);
 * RabbitMQ gets manual acknowledgement after the handler, a prefetch limit
 * and a dead-letter queue (see {@link MessagingServerRMQ}; `noAck: true`
 * turns that off). On TCP, `server.gracePeriod` drains in-flight handlers on close.
 *
 * Nest loads the broker's client package (`ioredis`, `nats` or
 * `@nats-io/transport-node`, `amqplib` + `amqp-connection-manager`, `mqtt`)
 * and exits the process when it is missing: install the one you use.
 *
 * @param server the library's server options (RabbitMQ delivery, graceful shutdown).
 * @throws MessagingConfigurationError for a transport this version does not support, or invalid server options.
 * @example
 * app.connectMicroservice(messagingMicroservice({ transport: Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } }));
 */
export declare function messagingMicroservice(options: MessagingMicroserviceOptions, server?: MessagingServerOptions): CustomStrategy;
