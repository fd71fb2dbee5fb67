"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.messagingMicroservice = messagingMicroservice;
const microservices_1 = require("@nestjs/microservices");
const messaging_errors_1 = require("../errors/messaging.errors");
const messaging_server_redis_1 = require("./messaging-server-redis");
const messaging_server_rmq_1 = require("./messaging-server-rmq");
const messaging_server_tcp_1 = require("./messaging-server-tcp");
const server_options_1 = require("./server.options");
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
function messagingMicroservice(options, server = {}) {
    const transport = options.transport ?? microservices_1.Transport.TCP;
    const problems = (0, server_options_1.checkServerOptions)(server);
    if (problems.length)
        throw new messaging_errors_1.MessagingConfigurationError(problems.join('; '));
    switch (transport) {
        case microservices_1.Transport.TCP:
            return { strategy: new messaging_server_tcp_1.MessagingServerTCP(options.options, server) };
        case microservices_1.Transport.REDIS:
            return { strategy: new messaging_server_redis_1.MessagingServerRedis(options.options) };
        case microservices_1.Transport.NATS:
            return { strategy: new microservices_1.ServerNats(options.options ?? {}) };
        case microservices_1.Transport.RMQ:
            return { strategy: new messaging_server_rmq_1.MessagingServerRMQ(options.options, server.rmq) };
        case microservices_1.Transport.MQTT:
            return { strategy: new microservices_1.ServerMqtt({ protocolVersion: 5, ...options.options }) };
        default:
            throw new messaging_errors_1.MessagingConfigurationError(`messagingMicroservice: transport ${String(transport)} is not supported; use TCP, REDIS, NATS, RMQ or MQTT (see the README's compatibility table)`);
    }
}
