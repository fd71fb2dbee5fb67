import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type INestMicroservice, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport, type ClientOptions, type ClientProxy } from '@nestjs/microservices';
import { messagingMicroservice, type MessagingMicroserviceOptions, type MessagingServerOptions } from '../../src';
import type { BrokerName } from './brokers';

/** The transports the suites run over. */
export type TransportName = 'tcp' | 'redis' | 'nats' | 'rmq' | 'mqtt';

export const TRANSPORTS: TransportName[] = ['tcp', 'redis', 'nats', 'rmq', 'mqtt'];

/** The broker each transport needs. */
export const BROKER_OF: Record<TransportName, BrokerName | undefined> = {
  tcp: undefined,
  redis: 'redis',
  nats: 'nats',
  rmq: 'rabbitmq',
  mqtt: 'mqtt',
};

/** A unique name for this run (patterns, queues): parallel jest workers and runs do not collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Where one test's server listens: a TCP port, or an RMQ queue (Redis, NATS and
 * MQTT route on the pattern alone, so suites put a unique `ns` in their patterns).
 */
export interface Endpoint {
  transport: TransportName;
  port: number;
  queue: string;
}

export async function endpoint(transport: TransportName): Promise<Endpoint> {
  return { transport, port: transport === 'tcp' ? await freePort() : 0, queue: uniqueName('q') };
}

const rmqQueueOptions = { durable: false, autoDelete: true };

/** Nest's options for a server or a client of `ep` (the same shape for both). */
export function nestOptions(ep: Endpoint): MessagingMicroserviceOptions & ClientOptions {
  switch (ep.transport) {
    case 'tcp':
      return { transport: Transport.TCP, options: { host: '127.0.0.1', port: ep.port } };
    case 'redis':
      return { transport: Transport.REDIS, options: { host: '127.0.0.1', port: 6379 } };
    case 'nats':
      return { transport: Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } };
    case 'rmq':
      return {
        transport: Transport.RMQ,
        options: { urls: ['amqp://guest:guest@127.0.0.1:5672'], queue: ep.queue, queueOptions: rmqQueueOptions },
      };
    case 'mqtt':
      return { transport: Transport.MQTT, options: { url: 'mqtt://127.0.0.1:1883', protocolVersion: 5 } };
  }
}

/** Test RMQ servers put their dead letters in an auto-deleted queue. */
export function testServerOptions(ep: Endpoint): MessagingServerOptions {
  return ep.transport === 'rmq' ? { rmq: { deadLetterQueueOptions: { durable: false, autoDelete: false, expires: 60_000 } } } : {};
}

/** Starts a microservice on `ep`: with the library's strategy or Nest's plain server. */
export async function startServer(
  ep: Endpoint,
  controllers: Type<unknown>[],
  opts: {
    library?: boolean;
    providers?: Provider[];
    imports?: Array<DynamicModule | Type<unknown>>;
    server?: MessagingServerOptions;
    /** Nest's options, when not the defaults of `ep`. */
    nest?: MessagingMicroserviceOptions;
  } = {},
): Promise<INestMicroservice> {
  @Module({ controllers, providers: opts.providers ?? [], imports: opts.imports ?? [] })
  class ServerModule {}
  const nest = opts.nest ?? nestOptions(ep);
  const strategy =
    opts.library === false ? nest : messagingMicroservice(nest, opts.server ?? testServerOptions(ep));
  const app = await NestFactory.createMicroservice(ServerModule, { ...strategy, logger: false } as never);
  await app.listen();
  return app;
}

/** A plain Nest ClientProxy for `ep` (no library). */
export function plainClient(ep: Endpoint): ClientProxy {
  return ClientProxyFactory.create(nestOptions(ep) as ClientOptions);
}
