/*
 * npm run bench — nestjs-messaging against plain Nest over TCP, on Nest 12 and Nest 11, then every transport
 * (bench/transports.ts).
 *
 * Each Nest major runs in a child process (the client, pinned to core 0), which starts its server processes
 * (pinned to core 1, bench/servers/main.ts): plain Nest, the library's server, the library's server with
 * OpenTelemetry, and a plain server making its OpenTelemetry spans with the SDK directly. Tables:
 *   (a) the client alone: raw ClientProxy vs MessagingClient (over the library's TCP client, and over Nest's), all calling the plain server;
 *   (b) the whole library against plain Nest at concurrency 16, and OpenTelemetry against an SDK reference;
 *   (b2) OpenTelemetry's cost on each side against a plain peer (the target's measurement);
 *   (e) the library's TCP client and server against Nest's and a raw-socket reference (bench/tcp-transport.ts);
 *   (c) cold require time of @nestjs/microservices and of the library's built entry;
 *   (d) a unary gRPC call: MessagingGrpcClient against raw ClientGrpc (bench/grpc.ts), on two more server processes.
 * The method (rounds, CPU per message, ratios) is in bench/harness.ts.
 *
 * Environment: BENCH_MAJOR=11|12|both (default both)  BENCH_QUICK=1 (short rounds: a smoke run, not for publishing)
 *              BENCH_ROUNDS (default 5, at least 5)   BENCH_ROUND_MS (default 1500; quick 300)
 *              BENCH_WARMUP_MS (per row, default 2000; quick 500)   BENCH_EVENTS (per round, default 20000; quick 5000)
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { ClientProxy } from '@nestjs/microservices';
import { closeClients, libContract, libEmit, libRequest, libValibotContract, libZodContract, messagingClient, nestMessagingClient, rawClient, rawEmit, rawSend, referenceSend } from './clients';
import {
  EVENTS_IN_FLIGHT,
  EVENTS_PER_ROUND,
  fmt,
  median,
  pairedP50Deltas,
  method,
  onCore,
  pct,
  perRound,
  printTable,
  QUICK,
  requestCells,
  cpuMedian,
  ratioCell,
  REGISTER,
  runEvents,
  runRequests,
  signed,
  startServer,
  verdict,
  withRounds,
  type BenchServer,
  type Round,
  type RowResult,
} from './harness';
import { grpcUnary } from './grpc';
import { openTelemetryPerSide } from './opentelemetry-per-side';
import { tcpTransportTable } from './tcp-transport';
import { libraryEntry, printColdRequire } from './require-time';
import { SERVER_KINDS, type ServerKind } from './servers/protocol';
import { benchInstrumentation } from './tracing';

const nestMajor = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;

const medianRatio = (results: RowResult[], i: number): number => median(perRound(results, i, (m, b) => m.rate / b.rate));

async function clientAlone(plain: BenchServer): Promise<void> {
  const raw = await rawClient(plain);
  const lib = await messagingClient(plain);
  const overNest = await nestMessagingClient(plain);
  console.log('#### (a) The client alone, against a plain fast server (Nest ServerTCP, plain @MessagePattern / @EventPattern)\n');
  const rows: string[][] = [];
  const ratios = new Map<number, number>();
  let p50Delta = NaN;
  for (const c of [1, 16, 256]) {
    const results = await runRequests(
      [
        { name: 'raw ClientProxy.send', call: rawSend(raw), server: plain },
        { name: 'MessagingClient.request', call: libRequest(lib), server: plain, baseline: 0 },
        { name: "MessagingClient.request over Nest's ClientTCP (tcp.client 'nest')", call: libRequest(overNest), server: plain, baseline: 0 },
      ],
      c,
    );
    // Each row's own p50 deltas against the raw client (row 1's is the target's).
    const deltas = results.map((_, i) => (i === 0 ? [] : perRound(results, i, (m, b) => m.p50 - b.p50)));
    p50Delta = c === 1 ? median(deltas[1]!) : p50Delta;
    ratios.set(c, medianRatio(results, 1));
    results.forEach((r, i) => rows.push([String(c), r.row.name, ...requestCells(results, i), i === 0 ? '' : withRounds(deltas[i]!, signed, (x) => signed(x))]));
  }
  printTable(
    ['C', 'client', 'req/s', 'p50 µs', 'p99 µs', 'client CPU µs/msg', 'server CPU µs/msg', 'req/s ratio: median (rounds)', 'p50 Δ µs: median (rounds)'],
    rows,
    2,
  );

  const events = await runEvents([
    { name: 'raw ClientProxy.emit', call: rawEmit(raw), server: plain },
    { name: 'MessagingClient.emit', call: libEmit(lib), server: plain, baseline: 0 },
    { name: "MessagingClient.emit over Nest's ClientTCP (tcp.client 'nest')", call: libEmit(overNest), server: plain, baseline: 0 },
  ]);
  const rate = (r: RowResult, pick: (x: Round) => number): string => fmt(median(r.rounds.map(pick)));
  printTable(
    [
      `events: ${fmt(EVENTS_PER_ROUND)} per round, ${EVENTS_IN_FLIGHT} in flight`,
      'events/s handled by the server',
      'client emit() calls/s',
      'client CPU µs/event',
      'server CPU µs/event',
      'handled events/s ratio: median (rounds)',
      'emit() calls/s ratio: median (rounds)',
    ],
    events.map((r, i) => [
      r.row.name,
      rate(r, (x) => x.rate),
      rate(r, (x) => x.emitRate),
      cpuMedian(r, 'clientCpu'),
      cpuMedian(r, 'serverCpu'),
      ratioCell(events, i),
      ratioCell(events, i, (x) => x.emitRate),
    ]),
  );
  const eventRatio = medianRatio(events, 1);
  // The target's p50: the two clients' calls interleaved one by one (the rows above alternate by rounds of ROUND_MS).
  const paired = await pairedP50Deltas(rawSend(raw), libRequest(lib));
  const pairedDelta = median(paired);
  console.log(
    `p50 at C=1, MessagingClient.request minus raw ClientProxy.send, calls interleaved one by one: ${withRounds(paired, (x) => `${signed(x)} µs`, (x) => signed(x))} ` +
      `(rows alternated by rounds, above: ${signed(p50Delta)} µs).\n`,
  );
  console.log(
    `Targets (a), Nest ${nestMajor}: req/s >= 95% of raw at C=16: ${pct(ratios.get(16)!)} ${verdict(ratios.get(16)! >= 0.95)}; ` +
      `at C=256: ${pct(ratios.get(256)!)} ${verdict(ratios.get(256)! >= 0.95)}; ` +
      `p50 <= +5 µs at C=1 (calls interleaved): ${signed(pairedDelta)} µs ${verdict(pairedDelta <= 5)}; ` +
      `events handled >= 90% of raw: ${pct(eventRatio)} ${verdict(eventRatio >= 0.9)}.\n`,
  );
}

async function wholeLibrary(servers: Record<ServerKind, BenchServer>): Promise<void> {
  const { plain, library, traced, reference } = servers;
  const rawPlain = await rawClient(plain);
  const rawLibrary = await rawClient(library);
  const rawReference = await rawClient(reference);
  const lib = await messagingClient(library);
  const libTraced = await messagingClient(traced, [benchInstrumentation()]);
  const C = 16;
  console.log(`#### (b) The whole library against plain Nest, C=${C}\n`);
  const results = await runRequests(
    [
      { name: 'raw ClientProxy -> plain server, @MessagePattern', call: rawSend(rawPlain), server: plain },
      { name: 'MessagingClient -> library server, @MessageHandler', call: libRequest(lib), server: library, baseline: 0 },
      { name: 'MessagingClient + contract -> @MessageHandler(EchoContract), class-validator', call: libContract(lib), server: library, baseline: 0 },
      { name: "raw ClientProxy -> library server, @MessageHandler (the server's cost alone)", call: rawSend(rawLibrary), server: library, baseline: 0 },
      {
        name: 'OTel reference: raw ClientProxy + SDK span & histogram -> plain server + SDK span & histogram',
        call: referenceSend(rawReference),
        server: reference,
        baseline: 0,
      },
      {
        name: 'OTel library: MessagingClient + OpenTelemetryInstrumentation -> library server + OpenTelemetryInstrumentation',
        call: libRequest(libTraced),
        server: traced,
        baseline: 4,
      },
      { name: 'MessagingClient + contract -> @MessageHandler(EchoZodContract), zod 4 schema', call: libZodContract(lib), server: library, baseline: 0 },
      { name: 'MessagingClient + contract -> @MessageHandler(EchoValibotContract), valibot 1 schema', call: libValibotContract(lib), server: library, baseline: 0 },
    ],
    C,
  );
  printTable(
    ['row', 'req/s', 'p50 µs', 'p99 µs', 'client CPU µs/msg', 'server CPU µs/msg', 'req/s ratio to its baseline: median (rounds)', 'baseline'],
    results.map((r, i) => [`${i}. ${r.row.name}`, ...requestCells(results, i), r.row.baseline === undefined ? '' : `row ${r.row.baseline}`]),
  );

  // OpenTelemetry: CPU per message and side, median of per-round differences.
  const diff = (f: (rowsOfRound: Round[]) => number): number[] => results[0]!.rounds.map((_, r) => f(results.map((x) => x.rounds[r]!)));
  const cell = (values: number[]): string => withRounds(values, (x) => `${signed(x)} µs`, (x) => signed(x));
  const lines: Array<[string, (side: 'clientCpu' | 'serverCpu') => number[]]> = [
    ['library instrumentation: row 5 - row 1 (same library, with and without OTel)', (s) => diff((r) => r[5]![s] - r[1]![s])],
    ['SDK reference: row 4 - row 0 (same plain Nest, with and without SDK calls)', (s) => diff((r) => r[4]![s] - r[0]![s])],
    ['library instrumentation beyond the SDK reference: (5 - 1) - (4 - 0)', (s) => diff((r) => r[5]![s] - r[1]![s] - (r[4]![s] - r[0]![s]))],
    ["row 5 - row 4 (the library's own cost included)", (s) => diff((r) => r[5]![s] - r[4]![s])],
  ];
  printTable(
    ['OpenTelemetry, CPU per message: median of per-round differences (rounds)', 'client side', 'server side'],
    lines.map(([name, values]) => [name, cell(values('clientCpu')), cell(values('serverCpu'))]),
  );
  const [handlerTarget, contractTarget] = nestMajor === 12 ? [0.9, 0.8] : [0.85, 0.75];
  const handler = medianRatio(results, 1);
  const contract = medianRatio(results, 2);
  const zod = medianRatio(results, 6);
  const valibot = medianRatio(results, 7);
  const { client: beyondClient, clientMinimal, server: beyondServer } = await openTelemetryPerSide(servers, lib);
  console.log(
    `Targets (b), Nest ${nestMajor}: MessagingClient -> @MessageHandler >= ${pct(handlerTarget)} of plain: ${pct(handler)} ${verdict(handler >= handlerTarget)}; ` +
      `contract row >= ${pct(contractTarget)}: ${pct(contract)} ${verdict(contract >= contractTarget)} (zod 4 row ${pct(zod)}, valibot 1 row ${pct(valibot)}, no target); ` +
      `OpenTelemetry instrumentation <= 10 µs/message per side beyond the SDK reference, each side against a plain peer (table b2): ` +
      `client ${signed(beyondClient)} µs beyond the SDK making the same telemetry ${verdict(beyondClient <= 10)} (${signed(clientMinimal)} µs beyond the minimal reference), ` +
      `server ${signed(beyondServer)} µs ${verdict(beyondServer <= 10)}.\n`,
  );
}

function nestVersion(): string {
  let dir = dirname(require.resolve('@nestjs/microservices'));
  while (dir !== dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@nestjs/microservices') return pkg.version ?? '?';
    } catch {
      // no package.json here: look further up
    }
    dir = dirname(dir);
  }
  return '?';
}

/** `BENCH_TABLES=a,e` runs only those tables (a development aid: a published run runs them all; b includes b2). */
function tableWanted(table: 'a' | 'b' | 'b2' | 'c' | 'd' | 'e'): boolean {
  const only = process.env.BENCH_TABLES?.split(',').map((t) => t.trim());
  return !only || only.includes(table);
}

async function benchOneMajor(): Promise<void> {
  const watchdog = setTimeout(
    () => {
      console.error('bench: still running after the watchdog delay; something hangs');
      process.exit(1);
    },
    (QUICK ? 5 : 30) * 60_000,
  );
  watchdog.unref();
  const started = await Promise.all(SERVER_KINDS.map((kind) => startServer(kind)));
  const servers = Object.fromEntries(started.map((s) => [s.kind, s])) as Record<ServerKind, BenchServer>;
  try {
    for (const s of started) {
      if (s.nest !== nestMajor) throw new Error(`the ${s.kind} server loaded Nest ${s.nest}, the client Nest ${nestMajor}`);
    }
    console.log(
      `### Nest ${nestMajor} (@nestjs/microservices ${nestVersion()}), TCP, Node ${process.version}, ${cpus().length} cores; ${method()}${QUICK ? ' (QUICK run: not for publishing)' : ''}\n`,
    );
    if (tableWanted('a')) await clientAlone(servers.plain);
    if (tableWanted('b')) await wholeLibrary(servers);
    else if (tableWanted('b2')) await openTelemetryPerSide(servers, await messagingClient(servers.library));
    if (tableWanted('e')) await tcpTransportTable(servers);
    await closeClients();
    const entry = process.env.BENCH_LIBRARY_ENTRY ? (JSON.parse(process.env.BENCH_LIBRARY_ENTRY) as { path: string; label: string }) : libraryEntry();
    if (tableWanted('c')) {
      console.log('#### (c) Cold require\n');
      printColdRequire(nestMajor, entry);
    }
    if (tableWanted('d')) await grpcUnary(servers['grpc-plain'], servers['grpc-library'], nestMajor);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

function main(): void {
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
  const which = process.env.BENCH_MAJOR ?? 'both';
  if (!['11', '12', 'both'].includes(which)) throw new Error(`BENCH_MAJOR is ${which}: give 11, 12 or both`);
  console.log(`# nestjs-messaging benchmark: Node ${process.version}, ${cpus().length} cores\n\nMethod: ${method()}.\n`);
  const entry = libraryEntry();
  for (const major of which === 'both' ? ['12', '11'] : [which]) {
    // BENCH_CLIENT_NODE_ARGS: node options of the client process, as BENCH_SERVER_NODE_ARGS for the servers (--cpu-prof ...).
    const extra = process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const [cmd, args] = onCore(0, [...extra, '-r', REGISTER, __filename]);
    const result = spawnSync(cmd, args, {
      env: { ...process.env, MESSAGING_NEST_MAJOR: major, BENCH_CHILD: '1', BENCH_LIBRARY_ENTRY: JSON.stringify(entry) },
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

main();
