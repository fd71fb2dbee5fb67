/*
 * The benchmark's method: settings, server processes, rounds alternated A B A B ..., statistics, markdown.
 *
 * A round runs one row for ROUND_MS at a given concurrency (callers each calling in a loop) and records
 * its req/s, every call's latency, and the CPU time per message of the client process (this one) and of
 * the server process (read through the side channel before and after the round, see servers/protocol.ts).
 * The rows of a comparison are run in turn, round after round, after a warm-up of WARMUP_MS per row.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { FromServer, ServerKind, ServerStats, ToServer } from './servers/protocol';

function intEnv(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

export const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
/** Rounds per row (at least 5: a median of fewer rounds is not worth printing). */
export const ROUNDS = Math.max(5, intEnv('BENCH_ROUNDS', 5));
export const ROUND_MS = intEnv('BENCH_ROUND_MS', QUICK ? 300 : 1500);
/** Warm-up per row before its rounds: a server's OpenTelemetry and class-validator paths need ~1.5 s of load before their CPU per message settles. */
export const WARMUP_MS = intEnv('BENCH_WARMUP_MS', QUICK ? 500 : 2000);
export const EVENTS_PER_ROUND = intEnv('BENCH_EVENTS', QUICK ? 5_000 : 50_000);
export const EVENTS_IN_FLIGHT = 256;

export const ROOT = join(__dirname, '..');
export const REGISTER = join(ROOT, 'scripts', 'register.cjs');

/** Client on core 0, servers on core 1, when there are two cores and `taskset`. */
export const PINNED = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** The command that runs node with `args` on `core` (unpinned without taskset). */
export function onCore(core: 0 | 1, args: string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args];
}

export function method(): string {
  const pinning = PINNED ? 'client pinned to core 0, servers to core 1 (taskset)' : 'NOT pinned (no taskset or a single core)';
  return `client and servers in separate processes, ${pinning}; ${ROUNDS} rounds of ${ROUND_MS} ms per row after a ${WARMUP_MS} ms warm-up, rows alternated A B A B ...`;
}

// ---------------------------------------------------------------- server processes

export interface BenchServer {
  readonly kind: ServerKind;
  readonly port: number;
  readonly nest: number;
  stats(): Promise<ServerStats>;
  /** Resolves when the server has counted `until` events since it started. */
  waitEvents(until: number): Promise<void>;
  stop(): Promise<void>;
}

export function startServer(kind: ServerKind): Promise<BenchServer> {
  // BENCH_SERVER_NODE_ARGS: extra node options for the server processes (e.g. "--cpu-prof --cpu-prof-dir=.tmp/prof/server").
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const [cmd, args] = onCore(1, [...extra, '-r', REGISTER, join(__dirname, 'servers', 'main.ts')]);
  const child = spawn(cmd, args, { env: { ...process.env, BENCH_SERVER: kind }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (m: FromServer) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const ask = (message: ToServer): Promise<FromServer> =>
    new Promise((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      child.send(message);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const err = new Error(`the ${kind} bench server exited with ${code}`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
    });
    child.on('message', (message: FromServer) => {
      if (message.type !== 'ready') {
        pending.get(message.id)?.resolve(message);
        pending.delete(message.id);
        return;
      }
      resolve({
        kind,
        port: message.port,
        nest: message.nest,
        stats: async () => {
          const m = await ask({ type: 'stats', id: nextId++ });
          if (m.type !== 'stats') throw new Error(`unexpected reply ${m.type}`);
          return { cpu: m.cpu, events: m.events };
        },
        waitEvents: async (until) => {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, rej) => {
            timer = setTimeout(() => rej(new Error(`the ${kind} server did not count ${until} events within 30 s`)), 30_000);
          });
          await Promise.race([ask({ type: 'wait-events', id: nextId++, until }), timeout]).finally(() => clearTimeout(timer));
        },
        stop: async () => {
          if (child.connected) child.disconnect();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

// ---------------------------------------------------------------- rounds

export type Call = () => Promise<unknown>;

export interface Row {
  name: string;
  /** One message: a request (resolves with the reply) or an event (resolves when emitted). */
  call: Call;
  /** The server process this row's messages go to (its CPU is this row's server CPU). */
  server: BenchServer;
  /** Index of the row this one is compared with; none for a baseline. */
  baseline?: number;
}

export interface Round {
  /** Requests: replies per second. Events: events per second counted by the server. */
  rate: number;
  /** Events only: emit() calls completed per second on the client. */
  emitRate: number;
  /** Requests only: median latency of this round, µs. */
  p50: number;
  /** CPU time per message, µs. */
  clientCpu: number;
  serverCpu: number;
}

export interface RowResult {
  row: Row;
  rounds: Round[];
  /** Requests: latency of every call of the measured rounds, µs, sorted. */
  latencies: Float64Array;
}

async function requestRound(row: Row, concurrency: number, ms: number, latencies: number[]): Promise<Round> {
  const own: number[] = [];
  const server0 = await row.server.stats();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      await row.call();
      own.push((performance.now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await row.server.stats();
  for (const l of own) latencies.push(l);
  const ops = own.length;
  return {
    rate: ops / seconds,
    emitRate: NaN,
    p50: percentile(Float64Array.from(own).sort(), 50),
    clientCpu: (cpu.user + cpu.system) / ops,
    serverCpu: (server1.cpu - server0.cpu) / ops,
  };
}

async function eventRound(row: Row, n: number): Promise<Round> {
  const server0 = await row.server.stats();
  const handled = row.server.waitEvents(server0.events + n);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      await row.call();
    }
  };
  await Promise.all(Array.from({ length: EVENTS_IN_FLIGHT }, worker));
  const emitted = performance.now() - started;
  await handled;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await row.server.stats();
  return {
    rate: n / seconds,
    emitRate: n / (emitted / 1000),
    p50: NaN,
    clientCpu: (cpu.user + cpu.system) / n,
    serverCpu: (server1.cpu - server0.cpu) / n,
  };
}

async function alternate(rows: Row[], warmUp: (row: Row) => Promise<unknown>, measure: (row: Row, latencies: number[]) => Promise<Round>): Promise<RowResult[]> {
  for (const row of rows) await warmUp(row);
  const rounds: Round[][] = rows.map(() => []);
  const latencies: number[][] = rows.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < rows.length; i++) rounds[i]!.push(await measure(rows[i]!, latencies[i]!));
  }
  return rows.map((row, i) => ({ row, rounds: rounds[i]!, latencies: Float64Array.from(latencies[i]!).sort() }));
}

/** Request rows at `concurrency`, alternated round by round. */
export function runRequests(rows: Row[], concurrency: number): Promise<RowResult[]> {
  return alternate(
    rows,
    (row) => requestRound(row, concurrency, WARMUP_MS, []),
    (row, latencies) => requestRound(row, concurrency, ROUND_MS, latencies),
  );
}

/**
 * Latency of two clients one call at a time, their calls interleaved (A B B A A B ...: each goes first half
 * the time), so that both see the same moment of the machine; per round (ROUND_MS each, after WARMUP_MS),
 * the p50 of B's calls minus the p50 of A's, µs. Rows alternated round by round drift apart when the machine's
 * speed moves between rounds (a C=1 round of one row can be 10 µs slower than the next row's for that alone).
 */
export async function pairedP50Deltas(a: Call, b: Call): Promise<number[]> {
  const round = async (ms: number): Promise<number> => {
    const la: number[] = [];
    const lb: number[] = [];
    const end = performance.now() + ms;
    for (let i = 0; performance.now() < end; i++) {
      for (const first of i % 2 === 0 ? [true, false] : [false, true]) {
        const t = performance.now();
        await (first ? a() : b());
        (first ? la : lb).push((performance.now() - t) * 1000);
      }
    }
    return percentile(Float64Array.from(lb).sort(), 50) - percentile(Float64Array.from(la).sort(), 50);
  };
  await round(WARMUP_MS);
  const deltas: number[] = [];
  for (let r = 0; r < ROUNDS; r++) deltas.push(await round(ROUND_MS));
  return deltas;
}

/** Event rows: EVENTS_PER_ROUND emits per round, EVENTS_IN_FLIGHT in flight; a round ends when the server has counted them all. */
export function runEvents(rows: Row[]): Promise<RowResult[]> {
  return alternate(
    rows,
    (row) => eventRound(row, Math.ceil(EVENTS_PER_ROUND / 4)),
    (row) => eventRound(row, EVENTS_PER_ROUND),
  );
}

// ---------------------------------------------------------------- statistics and output

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per-round values of `f(row's round, baseline's round)`. */
export function perRound(results: RowResult[], i: number, f: (mine: Round, base: Round) => number): number[] {
  const base = results[results[i]!.row.baseline!]!;
  return results[i]!.rounds.map((mine, r) => f(mine, base.rounds[r]!));
}

export const fmt = (n: number, digits = 0): string =>
  Number.isNaN(n) ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const signed = (n: number, digits = 1): string => `${n >= 0 ? '+' : '-'}${fmt(Math.abs(n), digits)}`;

export const pct = (ratio: number): string => `${fmt(ratio * 100, 1)}%`;

/** "97.1% (0.95 0.99 1.02 0.97 0.96)": the median of per-round values and the values. */
export function withRounds(values: number[], show: (n: number) => string, each: (n: number) => string): string {
  return `${show(median(values))} (${values.map(each).join(' ')})`;
}

export function ratioCell(results: RowResult[], i: number, pick: (r: Round) => number = (r) => r.rate): string {
  if (results[i]!.row.baseline === undefined) return 'baseline';
  return withRounds(perRound(results, i, (m, b) => pick(m) / pick(b)), pct, (x) => fmt(x, 2));
}

/** A markdown table; the first `left` columns are left-aligned, the others right-aligned. */
export function printTable(header: string[], rows: string[][], left = 1): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i < left ? '---' : '---:')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('');
}

export const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

/** A row's median CPU µs per message on one side. */
export const cpuMedian = (r: RowResult, side: 'clientCpu' | 'serverCpu'): string => fmt(median(r.rounds.map((x) => x[side])), 1);

/** The columns every request row has: req/s (median of rounds), p50, p99, CPU µs per message client and server, ratio to its baseline. */
export function requestCells(results: RowResult[], i: number): string[] {
  const r = results[i]!;
  return [
    fmt(median(r.rounds.map((x) => x.rate))),
    fmt(percentile(r.latencies, 50), 1),
    fmt(percentile(r.latencies, 99), 1),
    cpuMedian(r, 'clientCpu'),
    cpuMedian(r, 'serverCpu'),
    ratioCell(results, i),
  ];
}
