/**
 * Throughput of MessagingClient against a raw ClientProxy on every transport, in
 * the same run, alternating rounds: `npm run bench:transports`. Prints req/s per
 * round kind and the ratio MessagingClient / raw. Server and clients share this
 * process (the ratio is what matters; absolute figures vary 2x between runs).
 *
 * Env: BENCH_TRANSPORTS=tcp,redis,... BENCH_ROUNDS (6) BENCH_CALLS (2000) BENCH_CONCURRENCY (16).
 * MQTT runs at concurrency 1: Nest's MQTT client loses replies of concurrent calls
 * on one pattern (see the README's known transport issues).
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, Payload, type ClientOptions } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import {
  getMessagingClientToken,
  MessageMeta,
  messagingMicroservice,
  MessagingClient,
  MessagingModule,
  type MessageMetadata,
} from '../src';
import { endpoint, nestOptions, TRANSPORTS, uniqueName, type TransportName } from '../test/support/transports';

const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const calls = Number(process.env.BENCH_CALLS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const only = process.env.BENCH_TRANSPORTS?.split(',') as TransportName[] | undefined;

async function timed(run: () => Promise<unknown>, n: number, c: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next++ < n) await run();
    }),
  );
  return (n / (performance.now() - started)) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function benchTransport(transport: TransportName): Promise<{ raw: number; lib: number } | undefined> {
  const ns = uniqueName('bench');
  @Controller()
  class Echo {
    @MessagePattern({ cmd: 'echo', ns })
    echo(@Payload() data: unknown, @MessageMeta() _meta: MessageMetadata) {
      return data;
    }
  }
  @Module({ controllers: [Echo] })
  class ServerModule {}
  const ep = await endpoint(transport);
  const opts = nestOptions(ep);
  const server = await NestFactory.createMicroservice(ServerModule, { ...messagingMicroservice(opts), logger: false });
  try {
    await server.listen();
  } catch (err) {
    console.log(`${transport}: skipped (${String(err)})`);
    return undefined;
  }
  const raw = ClientProxyFactory.create(opts as ClientOptions);
  @Module({ imports: [MessagingModule.forRoot({ defaults: { timeout: 10_000 }, clients: [{ name: 'svc', ...opts }] })] })
  class ClientModule {}
  const app = await NestFactory.createApplicationContext(ClientModule, { logger: false });
  const lib = app.get<MessagingClient>(getMessagingClientToken('svc'));
  const c = transport === 'mqtt' ? 1 : concurrency;
  const n = transport === 'mqtt' ? Math.min(calls, 100) : calls;
  const pattern = { cmd: 'echo', ns };
  const payload = { id: 42, name: 'Sample' };
  const rawCall = () => firstValueFrom(raw.send(pattern, payload));
  const libCall = () => lib.request(pattern, payload);
  await timed(rawCall, 200, 1);
  await timed(libCall, 200, 1);
  const rawRates: number[] = [];
  const libRates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      rawRates.push(await timed(rawCall, n, c));
      libRates.push(await timed(libCall, n, c));
    } else {
      libRates.push(await timed(libCall, n, c));
      rawRates.push(await timed(rawCall, n, c));
    }
  }
  await raw.close();
  await app.close();
  await server.close();
  return { raw: median(rawRates), lib: median(libRates) };
}

async function main(): Promise<void> {
  console.log(`\n#### Every transport: ${rounds} rounds of ${calls} calls, concurrency ${concurrency} (MQTT: 1, at most 100 calls), A B A B ...\n`);
  console.log('| transport | raw ClientProxy req/s | MessagingClient req/s | MessagingClient / raw |');
  console.log('|---|---:|---:|---:|');
  for (const t of only ?? TRANSPORTS) {
    const result = await benchTransport(t);
    if (result) console.log(`| ${t} | ${result.raw.toFixed(0)} | ${result.lib.toFixed(0)} | ${(result.lib / result.raw).toFixed(2)} |`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
