/*
 * npm run bench — raw ClientProxy vs MessagingClient over TCP, on Nest 12 and Nest 11.
 *
 * For each Nest major, a server process (bench/server.ts: one library-equipped
 * microservice, object patterns) and this client process, each on its own core.
 * Both clients call the same server process with the same small JSON payload,
 * in rounds alternated A B A B ... at concurrency 1, 16 and 256; then events
 * (emit) the same way. Printed per client: req/s (median of the rounds), p50
 * and p99 latency (over every call of its rounds), and the median of the
 * per-round ratios MessagingClient / raw.
 *
 * Environment:
 *   BENCH_MAJOR=11|12|both (default both)   BENCH_QUICK=1 (short rounds, for a smoke run)
 *   BENCH_ROUNDS (default 5, at least 5)    BENCH_ROUND_MS (default 1500; quick 300)
 */
import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom, type Observable } from 'rxjs';
import { getMessagingClientToken, MessagingClient, MessagingModule } from 'nestjs-messaging';
import { EchoContract } from './contracts';
import { benchInstrumentation } from './tracing';

const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? (quick ? 300 : 1500));
const WARMUP_MS = quick ? 300 : 1000;
const EVENTS_PER_ROUND = quick ? 5_000 : 10_000;
const CONCURRENCIES = [1, 16, 256];
const EXTRA_CONCURRENCY = 16;
const PATTERN = { cmd: 'echo' };
const PAYLOAD = { id: 42, name: 'Sample User', email: 'user@example.com', tags: ['admin', 'math'] };
const register = join(__dirname, '..', 'scripts', 'register.cjs');

const nestMajor = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;

interface Round {
  reqPerSec: number;
  p50: number;
  /** Client process CPU per call, microseconds. */
  clientCpu: number;
  /** Server process CPU per call, microseconds. */
  serverCpu: number;
}

/** Reads the server process's CPU time (set once the clients exist). */
let serverCpu: () => Promise<number> = async () => 0;

interface Series {
  rounds: Round[];
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `concurrency` callers, each calling in a loop until `ms` has passed. Latencies in microseconds. */
async function round(call: () => Promise<unknown>, concurrency: number, ms: number, latencies: number[] | null): Promise<Round> {
  const own: number[] = [];
  const end = performance.now() + ms;
  let ops = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await call();
      own.push((performance.now() - t) * 1000);
      ops++;
    }
  };
  const server0 = await serverCpu();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await serverCpu();
  if (latencies) for (const l of own) latencies.push(l);
  return {
    reqPerSec: ops / seconds,
    p50: percentile(own.sort((a, b) => a - b), 50),
    clientCpu: (cpu.user + cpu.system) / ops,
    serverCpu: (server1 - server0) / ops,
  };
}

async function eventRound(emit: () => Observable<unknown>, count: (reset: boolean) => Promise<number>, n: number): Promise<number> {
  await count(true);
  let sent = 0;
  const started = performance.now();
  const worker = async () => {
    while (sent < n) {
      sent++;
      await lastValueFrom(emit(), { defaultValue: undefined });
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
  const deadline = Date.now() + 30_000;
  while ((await count(false)) < n) {
    if (Date.now() > deadline) throw new Error('the server did not receive every event within 30 s');
    await new Promise((r) => setTimeout(r, 2));
  }
  return n / ((performance.now() - started) / 1000);
}

function startServer(env: NodeJS.ProcessEnv = {}): Promise<{ port: number; nest: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-r', register, join(__dirname, 'server.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const { port, nest } = JSON.parse(line) as { port: number; nest: number };
      resolve({ port, nest, stop: () => child.kill('SIGTERM') });
    });
  });
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function benchOneMajor(): Promise<void> {
  const server = await startServer();
  if (server.nest !== nestMajor) throw new Error(`the server loaded Nest ${server.nest}, the client Nest ${nestMajor}`);
  const tcp = { host: '127.0.0.1', port: server.port };
  const raw = ClientProxyFactory.create({ transport: Transport.TCP, options: tcp });
  const ctx = await NestFactory.createApplicationContext(
    { module: class BenchClientModule {}, imports: [MessagingModule.forRoot({ clients: [{ name: 'bench', transport: Transport.TCP, options: tcp }] })] },
    { logger: ['error', 'warn'] },
  );
  const messaging = ctx.get<MessagingClient>(getMessagingClientToken('bench'));
  await raw.connect();
  await messaging.connect();
  serverCpu = () => lastValueFrom(raw.send<number>({ cmd: 'cpu' }, {}));

  const clients = [
    { name: 'raw ClientProxy.send', call: () => lastValueFrom(raw.send(PATTERN, PAYLOAD)) },
    { name: 'MessagingClient.send', call: () => lastValueFrom(messaging.send(PATTERN, PAYLOAD)) },
  ] as const;

  console.log(
    `\n### Nest ${nestMajor} (@nestjs/microservices ${nestMajor}), TCP, Node ${process.version}: ${ROUNDS} rounds of ${ROUND_MS} ms per client and concurrency, A B A B ...\n`,
  );
  console.log('| concurrency | client | req/s | p50 µs | p99 µs | CPU µs/call client + server | MessagingClient / raw (median of rounds) |');
  console.log('|---:|---|---:|---:|---:|---:|---|');
  const verdicts: string[] = [];
  for (const concurrency of CONCURRENCIES) {
    const series: Series[] = clients.map(() => ({ rounds: [], latencies: [] }));
    for (const c of clients) await round(c.call, concurrency, WARMUP_MS, null);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < clients.length; i++) {
        series[i]!.rounds.push(await round(clients[i]!.call, concurrency, ROUND_MS, series[i]!.latencies));
      }
    }
    const ratios = series[0]!.rounds.map((a, r) => series[1]!.rounds[r]!.reqPerSec / a.reqPerSec);
    const p50Deltas = series[0]!.rounds.map((a, r) => series[1]!.rounds[r]!.p50 - a.p50);
    const ratio = median(ratios);
    const p50Delta = median(p50Deltas);
    clients.forEach((c, i) => {
      const s = series[i]!;
      const sorted = s.latencies.sort((a, b) => a - b);
      const note =
        i === 0
          ? ''
          : `${fmt(ratio * 100, 1)}% of req/s; p50 ${p50Delta >= 0 ? '+' : ''}${fmt(p50Delta, 1)} µs (rounds: ${ratios.map((x) => fmt(x, 2)).join(' ')})`;
      console.log(
        `| ${concurrency} | ${c.name} | ${fmt(median(s.rounds.map((x) => x.reqPerSec)))} | ${fmt(percentile(sorted, 50), 1)} | ${fmt(percentile(sorted, 99), 1)} | ${fmt(median(s.rounds.map((x) => x.clientCpu)), 1)} + ${fmt(median(s.rounds.map((x) => x.serverCpu)), 1)} | ${note} |`,
      );
    });
    if (concurrency === 1) verdicts.push(`p50 at concurrency 1: ${p50Delta >= 0 ? '+' : ''}${fmt(p50Delta, 1)} µs over raw (target <= 15): ${p50Delta <= 15 ? 'met' : 'MISSED'}`);
    else verdicts.push(`req/s at concurrency ${concurrency}: ${fmt(ratio * 100, 1)}% of raw (target >= 95%): ${ratio >= 0.95 ? 'met' : 'MISSED'}`);
  }

  // Events: 256 emits in flight; a round ends when the server has handled them all.
  const count = (reset: boolean) => lastValueFrom(raw.send<number>({ cmd: 'event_count' }, { reset }));
  const emitters = [
    { name: 'raw ClientProxy.emit', emit: () => raw.emit({ cmd: 'bench_event' }, PAYLOAD) },
    { name: 'MessagingClient.emit', emit: () => messaging.emit({ cmd: 'bench_event' }, PAYLOAD) },
  ] as const;
  for (const e of emitters) await eventRound(e.emit, count, EVENTS_PER_ROUND / 4);
  const eventRates: number[][] = emitters.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < emitters.length; i++) eventRates[i]!.push(await eventRound(emitters[i]!.emit, count, EVENTS_PER_ROUND));
  }
  const eventRatios = eventRates[0]!.map((a, r) => eventRates[1]![r]! / a);
  console.log(`\n| events (${fmt(EVENTS_PER_ROUND)} per round, 256 in flight) | events/s handled by the server | MessagingClient / raw (median of rounds) |`);
  console.log('|---|---:|---|');
  emitters.forEach((e, i) =>
    console.log(
      `| ${e.name} | ${fmt(median(eventRates[i]!))} | ${i === 0 ? '' : `${fmt(median(eventRatios) * 100, 1)}% (rounds: ${eventRatios.map((x) => fmt(x, 2)).join(' ')})`} |`,
    ),
  );
  console.log(`\nNest ${nestMajor} targets: ${verdicts.join('; ')}.`);

  // Extra rows: the whole library against plain Nest (a plain handler, no library on either side).
  const plain = () => lastValueFrom(raw.send({ cmd: 'plain_echo' }, PAYLOAD));
  const extras: Array<[string, () => Promise<unknown>]> = [
    ['MessagingClient -> library handler (MessagingInterceptor)', () => lastValueFrom(messaging.send(PATTERN, PAYLOAD))],
    ['MessagingClient + contract -> @MessageHandler(contract), DTO validated by class-validator', () => messaging.request(EchoContract, PAYLOAD)],
  ];
  console.log(`\n| concurrency ${EXTRA_CONCURRENCY}: against raw ClientProxy -> plain Nest handler | req/s | CPU µs/call client + server | ratio to raw (median of rounds) |`);
  console.log('|---|---:|---:|---|');
  for (const [name, call] of extras) await compareRow(name, plain, call);

  const traced = await startServer({ BENCH_SERVER_TRACING: '1' });
  const tracedRaw = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: traced.port } });
  const tracedCtx = await NestFactory.createApplicationContext(
    {
      module: class TracedClientModule {},
      imports: [
        MessagingModule.forRoot({
          clients: [{ name: 'traced', transport: Transport.TCP, options: { host: '127.0.0.1', port: traced.port } }],
          instrumentation: [benchInstrumentation()],
        }),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  const tracedClient = tracedCtx.get<MessagingClient>(getMessagingClientToken('traced'));
  await tracedRaw.connect();
  serverCpu = () => lastValueFrom(tracedRaw.send<number>({ cmd: 'cpu' }, {}));
  await compareRow(
    'MessagingClient with OpenTelemetry (SDK, spans + metrics) -> traced library handler',
    () => lastValueFrom(tracedRaw.send({ cmd: 'plain_echo' }, PAYLOAD)),
    () => lastValueFrom(tracedClient.send(PATTERN, PAYLOAD)),
  );
  await tracedCtx.close();
  tracedRaw.close();
  traced.stop();

  await ctx.close();
  raw.close();
  server.stop();
}

/** One extra row: `call` against `baseline`, alternated round by round at EXTRA_CONCURRENCY. */
async function compareRow(name: string, baseline: () => Promise<unknown>, call: () => Promise<unknown>): Promise<void> {
  await round(baseline, EXTRA_CONCURRENCY, WARMUP_MS, null);
  await round(call, EXTRA_CONCURRENCY, WARMUP_MS, null);
  const base: Round[] = [];
  const mine: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    base.push(await round(baseline, EXTRA_CONCURRENCY, ROUND_MS, null));
    mine.push(await round(call, EXTRA_CONCURRENCY, ROUND_MS, null));
  }
  const ratios = base.map((b, r) => mine[r]!.reqPerSec / b.reqPerSec);
  const cpu = (rs: Round[]) => `${fmt(median(rs.map((x) => x.clientCpu)), 1)} + ${fmt(median(rs.map((x) => x.serverCpu)), 1)}`;
  console.log(`| raw ClientProxy -> plain handler | ${fmt(median(base.map((x) => x.reqPerSec)))} | ${cpu(base)} |  |`);
  console.log(
    `| ${name} | ${fmt(median(mine.map((x) => x.reqPerSec)))} | ${cpu(mine)} | ${fmt(median(ratios) * 100, 1)}% (rounds: ${ratios.map((x) => fmt(x, 2)).join(' ')}) |`,
  );
}

function main(): void {
  const which = process.env.BENCH_MAJOR ?? 'both';
  if (process.env.BENCH_CHILD === '1') {
    benchOneMajor().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
    return;
  }
  const majors = which === 'both' ? ['12', '11'] : [which];
  console.log(
    `nestjs-messaging benchmark: client and server in separate processes on ${cpus().length} cores${quick ? ' (quick run: not for publishing)' : ''}`,
  );
  for (const major of majors) {
    const result = spawnSync(process.execPath, ['-r', register, __filename], {
      env: { ...process.env, MESSAGING_NEST_MAJOR: major, BENCH_CHILD: '1' },
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

main();
