import {
  ClientKafka,
  ClientMqtt,
  ClientNats,
  ClientProxy,
  ClientRedis,
  ClientRMQ,
  ClientTCP,
  KafkaContext,
  MqttContext,
  NatsContext,
  RmqContext,
  Transport,
} from '@nestjs/microservices';
import type { Carrier } from './transports/carrier';
import { fromGrpcMetadata, grpcCarrier, isGrpcMetadata } from './transports/grpc';
import { kafkaCarrier } from './transports/kafka';
import { mqttCarrier } from './transports/mqtt';
import { natsCarrier } from './transports/nats';
import { redisCarrier } from './transports/redis';
import { rmqCarrier } from './transports/rmq';
import { tcpCarrier } from './transports/tcp';

export type { Carrier, OutgoingPacket } from './transports/carrier';

/** The carrier of a transport (TCP's for an unknown or custom one). @internal */
export function carrierFor(transport: Transport | undefined): Carrier {
  switch (transport) {
    case Transport.NATS:
      return natsCarrier;
    case Transport.RMQ:
      return rmqCarrier;
    case Transport.MQTT:
      return mqttCarrier;
    case Transport.REDIS:
      return redisCarrier;
    case Transport.KAFKA:
      return kafkaCarrier;
    case Transport.GRPC:
      return grpcCarrier;
    default:
      return tcpCarrier;
  }
}

/**
 * The transport of a ClientProxy, from its class (`undefined` for a custom
 * transport, which then gets the packet-field carrier).
 * @internal
 */
export function transportOfProxy(proxy: ClientProxy): Transport | undefined {
  if (proxy instanceof ClientTCP) return Transport.TCP;
  if (proxy instanceof ClientNats) return Transport.NATS;
  if (proxy instanceof ClientRMQ) return Transport.RMQ;
  if (proxy instanceof ClientMqtt) return Transport.MQTT;
  if (proxy instanceof ClientRedis) return Transport.REDIS;
  if (proxy instanceof ClientKafka) return Transport.KAFKA;
  return undefined;
}

/** The transport's name as messaging conventions spell it (OpenTelemetry's `messaging.system`). @internal */
export function systemName(transport: Transport | undefined): string {
  return transport === undefined ? 'unknown' : carrierFor(transport).system;
}

/**
 * The raw metadata of a message whose transport is known only by its context
 * object (a handler served by a server that is not the library's):
 * NATS headers, RabbitMQ headers, MQTT 5 user properties, Kafka headers, gRPC
 * metadata, or Nest 12's `getMetadata()` on TCP and Redis. `undefined` when none is found.
 * @internal
 */
export function readAnyContext(context: unknown): unknown {
  if (context instanceof NatsContext) return natsCarrier.read(context, undefined);
  if (context instanceof RmqContext) return rmqCarrier.read(context, undefined);
  if (context instanceof MqttContext) return mqttCarrier.read(context, undefined);
  if (context instanceof KafkaContext) return kafkaCarrier.read(context, undefined);
  if (isGrpcMetadata(context)) return fromGrpcMetadata(context);
  return (context as { getMetadata?: () => unknown } | undefined)?.getMetadata?.();
}
