/**
 * Throughput of MessagingClient against a raw ClientProxy on every transport, in the same run, alternating
 * rounds (A B, then B A, ...): `npm run bench:transports` (also run by `npm run bench`, after the main bench).
 * Both clients call the same library server (`messagingMicroservice`, a `@MessageHandler` echo handler, an
 * object pattern). Server and clients share this process: read the ratio (median of per-round ratios),
 * not the absolute figures, which vary 2x between runs. Brokers are expected on loopback; a transport
 * whose broker does not answer is skipped.
 *
 * Env: BENCH_TRANSPORTS=tcp,redis,... BENCH_ROUNDS (6) BENCH_CALLS (2000; quick 300) BENCH_CONCURRENCY (16)
 *      BENCH_QUICK=1. MESSAGING_NEST_MAJOR=11 runs it on Nest 11.
 * MQTT runs at concurrency 1: Nest's MQTT client loses replies of concurrent calls on one pattern (see the
 * README's known transport issues).
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientProxyFactory, Payload, type ClientOptions } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { getMessagingClientToken, MessageHandler, messagingMicroservice, MessagingClient, MessagingModule } from 'nestjs-messaging';
import { reachableBrokers } from '../test/support/brokers';
import { BROKER_OF, endpoint, nestOptions, testServerOptions, TRANSPORTS, uniqueName, type TransportName } from '../test/support/transports';
import { PAYLOAD } from './contracts';

const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const calls = Number(process.env.BENCH_CALLS ?? (quick ? 300 : 2000));
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const only = process.env.BENCH_TRANSPORTS?.split(',') as TransportName[] | undefined;
const nestMajor = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Result {
  raw: number;
  lib: number;
  ratios: number[];
}

async function benchTransport(transport: TransportName): Promise<Result | string> {
  const broker = BROKER_OF[transport];
  if (broker && !reachableBrokers().has(broker)) return `${broker} is not reachable on loopback`;
  const ns = uniqueName('bench');
  const pattern = { cmd: 'echo', ns };
  @Controller()
  class Echo {
    @MessageHandler(pattern)
    echo(@Payload() data: unknown): unknown {
      return data;
    }
  }
  @Module({ controllers: [Echo] })
  class ServerModule {}
  const ep = await endpoint(transport);
  const opts = nestOptions(ep);
  const server = await NestFactory.createMicroservice(ServerModule, { ...messagingMicroservice(opts, testServerOptions(ep)), logger: false });
  try {
    await server.listen();
  } catch (err) {
    return String(err);
  }
  const raw = ClientProxyFactory.create(opts as ClientOptions);
  @Module({ imports: [MessagingModule.forRoot({ defaults: { timeout: 10_000 }, clients: [{ name: 'svc', ...opts }] })] })
  class ClientModule {}
  const app = await NestFactory.createApplicationContext(ClientModule, { logger: false });
  const lib = app.get<MessagingClient>(getMessagingClientToken('svc'));
  const c = transport === 'mqtt' ? 1 : concurrency;
  const n = transport === 'mqtt' ? Math.min(calls, quick ? 20 : 100) : calls;
  const rawCall = () => firstValueFrom(raw.send(pattern, PAYLOAD));
  const libCall = () => lib.request(pattern, PAYLOAD);
  await timed(rawCall, Math.min(200, n), 1);
  await timed(libCall, Math.min(200, n), 1);
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
  return { raw: median(rawRates), lib: median(libRates), ratios: libRates.map((l, r) => l / rawRates[r]!) };
}

async function main(): Promise<void> {
  console.log(
    `\n#### Every transport, Nest ${nestMajor}, Node ${process.version}: client and server in one process; ${rounds} rounds of ${calls} calls, ` +
      `concurrency ${concurrency} (MQTT: 1, at most ${quick ? 20 : 100} calls), A B then B A ...${quick ? ' (QUICK run: not for publishing)' : ''}\n`,
  );
  console.log('| transport | raw ClientProxy req/s | MessagingClient req/s | MessagingClient / raw: median (rounds) |');
  console.log('|---|---:|---:|---:|');
  for (const t of only ?? TRANSPORTS) {
    const result = await benchTransport(t);
    if (typeof result === 'string') console.log(`| ${t} | skipped: ${result} | | |`);
    else
      console.log(
        `| ${t} | ${result.raw.toFixed(0)} | ${result.lib.toFixed(0)} | ${median(result.ratios).toFixed(2)} (${result.ratios.map((x) => x.toFixed(2)).join(' ')}) |`,
      );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
