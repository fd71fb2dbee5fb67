/*
 * The benchmark's server process: one Nest TCP microservice equipped with the
 * library (messagingMicroservice + MessagingInterceptor) and object patterns.
 * Both clients of bench.ts call this same process. Prints one JSON line with
 * its port and Nest major when it listens.
 */
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Controller, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, EventPattern, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { MessagingInterceptor, messagingMicroservice } from 'nestjs-messaging';

let events = 0;

@Controller()
@UseInterceptors(MessagingInterceptor)
class BenchHandlers {
  @MessagePattern({ cmd: 'echo' })
  echo(@Payload() data: unknown): unknown {
    return data;
  }

  @EventPattern({ cmd: 'bench_event' })
  event(): void {
    events++;
  }

  /** CPU time this process has used, in microseconds (user + system). */
  @MessagePattern({ cmd: 'cpu' })
  cpu(): number {
    const { user, system } = process.cpuUsage();
    return user + system;
  }

  @MessagePattern({ cmd: 'event_count' })
  eventCount(@Payload() data: { reset?: boolean }): number {
    const n = events;
    if (data.reset) events = 0;
    return n;
  }
}

@Module({ controllers: [BenchHandlers] })
class BenchServerModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice(BenchServerModule, {
    ...messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } }),
    logger: ['error', 'warn'],
  });
  await app.listen();
  const { port } = app.unwrap<Server>().address() as AddressInfo;
  const nest = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;
  process.stdout.write(`${JSON.stringify({ port, nest })}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
