/*
 * The benchmark's server process: one Nest TCP microservice equipped with the
 * library (messagingMicroservice + MessagingInterceptor) and object patterns.
 * Both clients of bench.ts call this same process. Prints one JSON line with
 * its port and Nest major when it listens.
 */
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Controller, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, EventPattern, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { MessageHandler, MessagingModule, messagingMicroservice } from 'nestjs-messaging';
import { EchoContract, EchoDto } from './contracts';
import { benchInstrumentation } from './tracing';

let events = 0;

@Controller()
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

/** A plain Nest handler (no library on this side): the baseline of the extra rows. */
@Controller()
class PlainHandlers {
  @MessagePattern({ cmd: 'plain_echo' })
  echo(@Payload() data: unknown): unknown {
    return data;
  }
}

/** The library's handler decorator with a contract: class-transformer + class-validator on every message. */
@Controller()
class ContractHandlers {
  @MessageHandler(EchoContract)
  echo(@Payload() dto: EchoDto): EchoDto {
    return dto;
  }
}

/** With BENCH_SERVER_TRACING=1, the library's handlers record OpenTelemetry spans and metrics (SDK, no-op exporter). */
function tracing(): DynamicModule[] {
  if (process.env.BENCH_SERVER_TRACING !== '1') return [];
  return [MessagingModule.forRoot({ isGlobal: true, clients: [], instrumentation: [benchInstrumentation()] })];
}

@Module({ imports: tracing(), controllers: [BenchHandlers, PlainHandlers, ContractHandlers] })
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
