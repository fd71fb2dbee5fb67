/**
 * A Nest microservice run as its own process by the fault suite (so that it
 * can be SIGKILLed, SIGSTOPped, and its memory measured alone): the library's
 * TCP strategy, or Nest's plain ServerTCP. Started by support/server-child.ts
 * with `fork(this file, { execArgv: ['-r', 'ts-node/register'] })` (ts-node
 * with swc, transpile only); its configuration ({@link ServerProcessConfig})
 * comes in the environment variable MESSAGING_FAULTS_SERVER (JSON).
 *
 * Protocol over IPC: it sends `{ ready: true }` once loaded; every request is
 * `{ seq, op, ...args }` and is answered `{ seq, ...result }` (or
 * `{ seq, error }`):
 * - `listen { port }` (0 for any) -> `{ port }`
 * - `heap` -> `{ heapUsed }` after full GCs
 * - `rss` -> `{ rss }`
 * - `stats` -> `{ stats }` ({@link ServerStats}: handler counters, log lines, the library's queues)
 * - `release` -> `{ released }`: resolves the handlers that hang (their results are sent, if anyone waits)
 *
 * Handlers (the library's `@MessageHandler`, or plain `@MessagePattern` on a plain server):
 * - `{ cmd: 'work' }` `{ n, ms? }` -> n after ms; `{ cmd: 'echo' }` -> its payload
 * - `{ cmd: 'burn' }` `{ deadline, ms }`: burns the CPU for `ms` synchronously; counts runs, and runs
 *   that started after `deadline` (the caller's, on the shared wall clock of one host)
 * - `{ cmd: 'count' }`: counts its runs (a non-idempotent handler)
 * - `{ cmd: 'hang' }`: never answers (its resolver is kept, as a hung downstream call keeps its callback)
 * - `{ cmd: 'hang_watch' }`: never answers unless the message's AbortSignal aborts (then it rejects)
 */
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Controller, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, ServerTCP, TcpSocket, Transport, type CustomStrategy } from '@nestjs/microservices';
import {
  getMessageContext,
  MessageHandler,
  messagingMicroservice,
  type MessagingInstrumentation,
  type MessagingServerOptions,
} from '../../../src';

/** How the server process is set up. */
export interface ServerProcessConfig {
  /** Nest's plain ServerTCP (and plain `@MessagePattern` handlers) instead of the library's. */
  plain?: boolean;
  /** The library's server options (JSON: no instrumentation; see `countHandlers`). */
  server?: MessagingServerOptions;
  /** Adds an instrumentation that counts the messages the pipeline dispatched and how they ended. */
  countHandlers?: boolean;
}

/** What the server process counted. */
export interface ServerStats {
  /** Runs of each handler (by cmd). */
  runs: Record<string, number>;
  /** `burn` runs that started after their caller's deadline. */
  burnLate: number;
  /**
   * Library server only, for `burn` runs: ms from the caller's send (`msg-sent-at`) to the
   * server's read of the frame, and from the read to the handler's start; each as
   * [all runs, late runs] sums and maxima, and how late the late runs started.
   */
  burnTiming: { runs: number; late: number; readDelay: [number, number]; readDelayMax: [number, number]; wait: [number, number]; lateBy: number; lateByMax: number };
  /** `hang_watch` handlers whose signal aborted. */
  aborted: number;
  /** Resolvers of hung handlers held. */
  hung: number;
  /** With `countHandlers`: messages the pipeline dispatched, and how they ended (`ok` or an error code), by cmd. */
  dispatched: Record<string, number>;
  ended: Record<string, Record<string, number>>;
  /** Warnings and errors the server logged. */
  warnings: number;
  /** Of which lines of the library's TCP server about a connection it closed (rate-limited per peer address). */
  closedConnectionLines: number;
  /** The first few of them. */
  firstWarnings: string[];
  /**
   * Errors thrown while a connection's bytes were read (Nest then closes that connection and logs
   * only "The invalid received message from tcp server"): how many, and the first few with where they were thrown.
   */
  readErrors: number;
  firstReadErrors: string[];
  /** The library's server only: bytes of unfinished frames held now, and at most so far (sampled on each `stats`). */
  bufferedBytes?: number;
  /** The library's server only: requests waiting for their deadline, and handlers waiting in the fair queue. */
  deadlines?: number;
  queued?: number;
}

const config = JSON.parse(process.env.MESSAGING_FAULTS_SERVER ?? '{}') as ServerProcessConfig;

const stats: ServerStats = {
  runs: {},
  burnLate: 0,
  burnTiming: { runs: 0, late: 0, readDelay: [0, 0], readDelayMax: [0, 0], wait: [0, 0], lateBy: 0, lateByMax: 0 },
  aborted: 0,
  hung: 0,
  dispatched: {},
  ended: {},
  warnings: 0,
  closedConnectionLines: 0,
  firstWarnings: [],
  readErrors: 0,
  firstReadErrors: [],
};

// Nest's TcpSocket reports an error thrown by handleData through its protected handleDataError (and closes the connection).
const tcpSocket = TcpSocket.prototype as unknown as { handleDataError: (e: Error, ...rest: unknown[]) => unknown };
const handleDataError = tcpSocket.handleDataError;
tcpSocket.handleDataError = function (this: unknown, e: Error, ...rest: unknown[]) {
  stats.readErrors++;
  if (stats.firstReadErrors.length < 5) stats.firstReadErrors.push(`${String(e?.message)} at ${e?.stack?.split('\n')[1]?.trim() ?? '?'}`);
  return handleDataError.call(this, e, ...rest);
};
const hung = new Set<() => void>();

function ran(cmd: string): void {
  stats.runs[cmd] = (stats.runs[cmd] ?? 0) + 1;
}

function burn(data: { deadline: number; ms: number }): number {
  ran('burn');
  const now = Date.now();
  const late = now > data.deadline;
  if (late) stats.burnLate++;
  const inbound = getMessageContext() as { receivedAt?: number; message?: { sentAt?: number } } | undefined;
  if (inbound?.receivedAt !== undefined && inbound.message?.sentAt !== undefined) {
    const t = stats.burnTiming;
    const wait = performance.now() - inbound.receivedAt;
    const readDelay = now - wait - inbound.message.sentAt;
    t.runs++;
    t.readDelay[0] += readDelay;
    t.readDelayMax[0] = Math.max(t.readDelayMax[0], readDelay);
    t.wait[0] += wait;
    if (late) {
      t.late++;
      t.readDelay[1] += readDelay;
      t.readDelayMax[1] = Math.max(t.readDelayMax[1], readDelay);
      t.wait[1] += wait;
      t.lateBy += now - data.deadline;
      t.lateByMax = Math.max(t.lateByMax, now - data.deadline);
    }
  }
  const end = performance.now() + data.ms;
  while (performance.now() < end) {
    // the handler's CPU-bound work
  }
  return 1;
}

function hang(): Promise<never> {
  ran('hang');
  return new Promise<never>((resolve) => hung.add(resolve as () => void));
}

function hangWatch(): Promise<never> {
  ran('hang_watch');
  const signal = getMessageContext()?.signal;
  return new Promise<never>((_, reject) => {
    signal?.addEventListener(
      'abort',
      () => {
        stats.aborted++;
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

@Controller()
class LibraryController {
  @MessageHandler({ cmd: 'work' })
  async work(@Payload() data: { n: number; ms?: number }) {
    if (data.ms) await new Promise((r) => setTimeout(r, data.ms));
    return data.n;
  }

  @MessageHandler({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }

  @MessageHandler({ cmd: 'burn' })
  burn(@Payload() data: { deadline: number; ms: number }) {
    return burn(data);
  }

  @MessageHandler({ cmd: 'count' })
  count() {
    ran('count');
    return 1;
  }

  @MessageHandler({ cmd: 'hang' })
  hang() {
    return hang();
  }

  @MessageHandler({ cmd: 'hang_watch' })
  hangWatch() {
    return hangWatch();
  }
}

@Controller()
class PlainController {
  @MessagePattern({ cmd: 'work' })
  async work(@Payload() data: { n: number; ms?: number }) {
    if (data.ms) await new Promise((r) => setTimeout(r, data.ms));
    return data.n;
  }

  @MessagePattern({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }

  @MessagePattern({ cmd: 'burn' })
  burn(@Payload() data: { deadline: number; ms: number }) {
    return burn(data);
  }

  @MessagePattern({ cmd: 'count' })
  count() {
    ran('count');
    return 1;
  }

  @MessagePattern({ cmd: 'hang' })
  hang() {
    return hang();
  }
}

/** Counts what the pipeline dispatched, by cmd, and how each ended. */
const counting: MessagingInstrumentation = {
  startHandler(info) {
    const cmd = (JSON.parse(info.destination) as { cmd?: string }).cmd ?? info.destination;
    stats.dispatched[cmd] = (stats.dispatched[cmd] ?? 0) + 1;
    return {
      run: (fn) => fn(),
      end(error?: unknown) {
        const code = error === undefined ? 'ok' : String((error as { code?: unknown }).code ?? 'error');
        const byCode = (stats.ended[cmd] ??= {});
        byCode[code] = (byCode[code] ?? 0) + 1;
      },
    };
  },
};

function note(message: unknown): void {
  stats.warnings++;
  if (String(message).includes('closed a connection from')) stats.closedConnectionLines++;
  if (stats.firstWarnings.length < 5) stats.firstWarnings.push(String(message).slice(0, 300));
}

const logger: LoggerService = {
  log: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
  warn: note,
  error: note,
  fatal: note,
};

let strategy: CustomStrategy | undefined;

async function listen(port: number): Promise<number> {
  const tcp = { host: '127.0.0.1', port };
  strategy = config.plain
    ? { strategy: new ServerTCP(tcp) }
    : messagingMicroservice(
        { transport: Transport.TCP, options: tcp },
        { ...config.server, instrumentation: config.countHandlers ? [counting] : undefined },
      );
  @Module({ controllers: [config.plain ? PlainController : LibraryController] })
  class FaultServerModule {}
  const app = await NestFactory.createMicroservice(FaultServerModule, { ...strategy, logger });
  await app.listen();
  return ((strategy.strategy as ServerTCP).unwrap<Server>().address() as AddressInfo).port;
}

async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the server process needs --expose-gc');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** The library strategy's internals read for the report (not API). */
interface LibraryInternals {
  limits?: { frames: { budget?: { held: number } } };
  pipeline?: { deadlines: { size: number }; queue: { size: number } };
}

function currentStats(): ServerStats {
  const internals = config.plain ? undefined : (strategy?.strategy as LibraryInternals | undefined);
  return {
    ...stats,
    hung: hung.size,
    bufferedBytes: internals?.limits?.frames.budget?.held,
    deadlines: internals?.pipeline?.deadlines.size,
    queued: internals?.pipeline?.queue.size,
  };
}

type Request = { seq: number; op: 'listen'; port: number } | { seq: number; op: 'heap' | 'rss' | 'stats' | 'release' };

async function answer(msg: Request): Promise<Record<string, unknown>> {
  switch (msg.op) {
    case 'listen':
      return { port: await listen(msg.port) };
    case 'heap':
      return { heapUsed: await settledHeap() };
    case 'rss':
      return { rss: process.memoryUsage.rss() };
    case 'stats':
      return { stats: currentStats() };
    case 'release': {
      const n = hung.size;
      for (const resolve of hung) resolve();
      hung.clear();
      return { released: n };
    }
  }
}

process.on('message', (msg: Request) => {
  answer(msg).then(
    (result) => process.send!({ seq: msg.seq, ...result }),
    (err: unknown) => process.send!({ seq: msg.seq, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
