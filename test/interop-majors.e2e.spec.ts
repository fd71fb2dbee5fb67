import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Controller, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { GrpcMethod, MessagePattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, from, lastValueFrom, timeout, toArray, type Observable } from 'rxjs';
import {
  getMessageContext,
  getMessagingClientToken,
  MessageMeta,
  MessagingClient,
  MessagingModule,
  runWithMessageContext,
  type MessageMetadata,
  type MessagingMicroserviceOptions,
} from '../src';
import { GrpcHandler, MessagingGrpcClient } from '../src/grpc';
import { brokersRequired, reachableBrokers } from './support/brokers';
import { grpcOptions, plainGrpcClient, SERVICE, startGrpcServer, type EchoReply, type EchoRequest, type EchoService, type RunningGrpc } from './support/grpc';
import { nestMajor, waitFor } from './support/nest';
import {
  CaseSink,
  clearRetained,
  mqttRecord,
  mqttRecordHandlers,
  recordEventTopic,
  RECORD_DATA,
  RECORD_PROPERTIES,
  rmqManualAckHandlers,
  takeRetained,
  type AckRun,
  type PacketSeen,
} from './interop/cases';
import { BROKER_OF, endpoint, nestOptions, plainClient, startServer, TRANSPORTS, uniqueName, type Endpoint, type TransportName } from './support/transports';

/**
 * A fleet halfway through an upgrade: this jest run's major on one side, the
 * other major on the other, run as a child process from the build (dist/, built
 * here when older than src/). Every transport, both directions, with
 * {MessagingClient, plain ClientProxy} x {library handler, plain handler};
 * gRPC both directions with {MessagingGrpcClient, plain ClientGrpc} x
 * {@GrpcHandler (unary), plain @GrpcMethod (server streaming)} on the library's gRPC server.
 */
const root = join(__dirname, '..');
const otherMajor = nestMajor === 12 ? 11 : 12;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuild(): void {
  let built = 0;
  try {
    built = statSync(join(root, 'dist/index.js')).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newestMtime(join(root, 'src'))) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root });
  }
}

interface PeerEndpoint extends Endpoint {
  ns: string;
}

function peer(role: 'server' | 'client' | 'cases-server' | 'cases-client', endpoints: PeerEndpoint[], grpcUrl = ''): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, [join(__dirname, 'interop/peer.cjs')], {
    env: { ...process.env, PEER_MAJOR: String(otherMajor), ROLE: role, PEER_ENDPOINTS: JSON.stringify(endpoints), PEER_GRPC_URL: grpcUrl },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function nextJson(lines: AsyncIterableIterator<string>, timeoutMs: number): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the Nest ${otherMajor} peer said nothing within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    if (line.done) throw new Error(`the Nest ${otherMajor} peer exited without answering`);
    return JSON.parse(line.value) as Record<string, unknown>;
  } finally {
    clearTimeout(timer);
  }
}

function handlers(ns: string) {
  @Controller()
  class Handlers {
    @MessagePattern({ cmd: 'echo', ns })
    echo(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata) {
      return { data, correlationId: meta.correlationId, app: meta.app, major: nestMajor };
    }

    @MessagePattern({ cmd: 'plain', ns })
    plain(@Payload() data: unknown) {
      return { data, major: nestMajor };
    }
  }
  return Handlers;
}

/** The gRPC side, as test/interop/peer.cjs has it. */
@Controller()
class GrpcHandlers {
  @GrpcHandler(SERVICE, 'Say')
  say(request: EchoRequest): Partial<EchoReply> {
    const ctx = getMessageContext()!;
    return { text: request.text, correlationId: ctx.correlationId, tenant: ctx.app.tenant ?? '', attempt: nestMajor };
  }

  @GrpcMethod(SERVICE, 'Count')
  count(_request: unknown, metadata: { get(key: string): unknown[] }): Observable<Partial<EchoReply>> {
    const correlationId = String(metadata.get('msg-correlation-id')[0] ?? '');
    return from([0, 1].map((index) => ({ index, correlationId, attempt: nestMajor })));
  }
}

interface GrpcCell {
  client: 'library' | 'plain';
  method: 'say' | 'count';
  ok: boolean;
  reply?: Partial<EchoReply> | Array<Partial<EchoReply>>;
  error?: string;
}

/** Checks one gRPC cell: served by Nest `served`, with the caller's metadata when the caller is the library. */
function checkGrpcCell(c: GrpcCell, served: number, correlationId: string): void {
  const cell = `gRPC ${c.client} client -> ${c.method}`;
  expect({ cell, ok: c.ok, error: c.error }).toEqual({ cell, ok: true, error: undefined });
  const replies = Array.isArray(c.reply) ? c.reply : [c.reply!];
  expect({ cell, n: replies.length }).toEqual({ cell, n: c.method === 'count' ? 2 : 1 });
  for (const r of replies) {
    expect({ cell, attempt: r.attempt }).toEqual({ cell, attempt: served });
    if (c.client === 'library') expect({ cell, correlationId: r.correlationId }).toEqual({ cell, correlationId });
  }
  if (c.client === 'library' && c.method === 'say') expect(replies[0]).toMatchObject({ tenant: 'acme' });
}

const usable = TRANSPORTS.filter((t) => {
  const broker = BROKER_OF[t];
  if (!broker || reachableBrokers().has(broker)) return true;
  if (!brokersRequired) console.warn(`SKIPPED mixed-major cells over ${t}: ${broker} is not reachable`);
  return false;
});
const missing = TRANSPORTS.filter((t) => !usable.includes(t));

describe(`mixed majors: Nest ${nestMajor} with a Nest ${otherMajor} peer`, () => {
  let endpoints: PeerEndpoint[];

  beforeAll(async () => {
    ensureBuild();
    endpoints = await Promise.all(usable.map(async (t) => ({ ...(await endpoint(t)), ns: uniqueName(`majors_${t}`) })));
  }, 60_000);

  if (brokersRequired && missing.length) {
    it('has every broker (MESSAGING_REQUIRE_BROKERS=1)', () => {
      throw new Error(`unreachable brokers for: ${missing.join(', ')}`);
    });
  }

  it(`a Nest ${otherMajor} client calls Nest ${nestMajor} servers`, async () => {
    const servers: INestMicroservice[] = [];
    let grpcServer: RunningGrpc | undefined;
    try {
      for (const ep of endpoints) servers.push(await startServer(ep, [handlers(ep.ns)]));
      grpcServer = await startGrpcServer([GrpcHandlers]);
      const { child, lines } = peer('client', endpoints, grpcServer.url);
      const out = await nextJson(lines, 30_000);
      child.kill();
      expect(out.major).toBe(otherMajor);
      const results = out.results as Array<{ transport: TransportName; handler: string; client: string; ok: boolean; reply?: Record<string, unknown>; error?: string }>;
      expect(results).toHaveLength(endpoints.length * 4);
      for (const r of results) {
        const cell = `${r.transport} ${r.client} client -> ${r.handler} handler`;
        expect({ cell, ok: r.ok, error: r.error }).toEqual({ cell, ok: true, error: undefined });
        expect(r.reply).toMatchObject({ data: { n: r.client === 'library' ? 1 : 2 }, major: nestMajor });
        if (r.handler === 'echo' && r.client === 'library') expect(r.reply).toMatchObject({ correlationId: 'majors-1', app: { tenant: 'acme' } });
      }
      const grpcCells = out.grpc as GrpcCell[];
      expect(grpcCells).toHaveLength(4);
      for (const c of grpcCells) checkGrpcCell(c, nestMajor, 'majors-grpc-1');
    } finally {
      await Promise.allSettled(servers.map((s) => s.close()));
      await grpcServer?.close();
    }
  }, 60_000);

  it(`Nest ${nestMajor} clients call a Nest ${otherMajor} server`, async () => {
    const { child, lines } = peer('server', endpoints);
    const apps: INestApplicationContext[] = [];
    const plains: ClientProxy[] = [];
    try {
      const ready = await nextJson(lines, 30_000);
      expect(ready).toMatchObject({ ready: true, major: otherMajor });
      const grpcUrl = ready.grpcUrl as string;
      const grpcApp = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'grpc', ...grpcOptions(grpcUrl) }] })] }).compile();
      apps.push(grpcApp);
      const echo = grpcApp.get<MessagingGrpcClient>(getMessagingClientToken('grpc')).getService<EchoService>(SERVICE);
      const plainGrpc = plainGrpcClient(grpcUrl);
      const inContext = <T>(fn: () => Promise<T>) => runWithMessageContext({ correlationId: 'majors-grpc-2', app: { tenant: 'acme' } }, fn);
      const grpcCells: GrpcCell[] = [
        { client: 'library', method: 'say', ok: true, reply: await inContext(() => lastValueFrom(echo.say({ text: 'lib' }, { timeout: 3000 }))) },
        { client: 'library', method: 'count', ok: true, reply: await inContext(() => lastValueFrom(echo.count({ count: 2 }).pipe(toArray()))) },
        { client: 'plain', method: 'say', ok: true, reply: await lastValueFrom(plainGrpc.getService<EchoService>(SERVICE).say({ text: 'plain' })) },
        { client: 'plain', method: 'count', ok: true, reply: await lastValueFrom(plainGrpc.getService<EchoService>(SERVICE).count({ count: 2 }).pipe(toArray())) },
      ];
      plainGrpc.close();
      for (const c of grpcCells) checkGrpcCell(c, otherMajor, 'majors-grpc-2');
      for (const ep of endpoints) {
        const app = await Test.createTestingModule({
          imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })],
        }).compile();
        await app.init();
        apps.push(app);
        const library = app.get<MessagingClient>(getMessagingClientToken('svc'));
        const plain = plainClient(ep);
        plains.push(plain);
        for (const handler of ['echo', 'plain']) {
          const pattern = { cmd: handler, ns: ep.ns };
          const viaLibrary = await runWithMessageContext({ correlationId: 'majors-2', app: { tenant: 'acme' } }, () =>
            library.request<Record<string, unknown>>(pattern, { n: 1 }, { timeout: 3000 }),
          );
          expect({ cell: `${ep.transport} library -> ${handler}`, ...viaLibrary }).toMatchObject({ data: { n: 1 }, major: otherMajor });
          if (handler === 'echo') expect(viaLibrary).toMatchObject({ correlationId: 'majors-2', app: { tenant: 'acme' } });
          const viaPlain = await firstValueFrom(plain.send<Record<string, unknown>>(pattern, { n: 2 }));
          expect({ cell: `${ep.transport} plain -> ${handler}`, ...viaPlain }).toMatchObject({ data: { n: 2 }, major: otherMajor });
        }
      }
    } finally {
      await Promise.allSettled(plains.map((p) => p.close()));
      await Promise.allSettled(apps.map((a) => a.close()));
      child.stdin!.end();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
  }, 60_000);
});

/**
 * Issue 11, item 7, across majors (test/interop/cases.ts; the peer's copies are in
 * peer.cjs): a MqttRecordBuilder record over MQTT, RabbitMQ handlers that
 * acknowledge themselves (noAck: false), with {MessagingClient, plain ClientProxy}
 * x {library server, Nest's own server}, both directions.
 */
interface CaseEndpoint extends PeerEndpoint {
  server: 'library' | 'plain';
}

const CASE_CALLS = 10;

function caseOptions(ep: CaseEndpoint): MessagingMicroserviceOptions {
  const nest = nestOptions(ep) as MessagingMicroserviceOptions & { options: Record<string, unknown> };
  return ep.transport === 'rmq' ? ({ ...nest, options: { ...nest.options, noAck: false } } as MessagingMicroserviceOptions) : nest;
}

/** One client's calls on one endpoint, as peer.cjs's callCases makes them. */
async function caseCalls(ep: CaseEndpoint, kind: 'library' | 'plain', library: MessagingClient, plain: ClientProxy) {
  const send = <T>(pattern: Record<string, unknown>, data: unknown) =>
    kind === 'library' ? library.request<T>(pattern, data, { timeout: 5000 }) : firstValueFrom(plain.send<T>(pattern, data).pipe(timeout(5000)));
  const emit = (pattern: Record<string, unknown>, data: unknown) =>
    kind === 'library' ? lastValueFrom(library.emit(pattern, data)) : lastValueFrom(plain.emit(pattern, data), { defaultValue: undefined });
  if (ep.transport === 'mqtt') {
    const reply = await send<PacketSeen>({ cmd: 'record', ns: ep.ns }, mqttRecord());
    await emit({ cmd: 'record_ev', ns: ep.ns }, mqttRecord(true));
    return { reply };
  }
  const replies = await Promise.all(Array.from({ length: CASE_CALLS }, (_, n) => send<{ n: number }>({ cmd: 'ack', ns: ep.ns }, { n, client: kind })));
  for (let n = 0; n < CASE_CALLS; n++) await emit({ cmd: 'ack_ev', ns: ep.ns }, { n, client: kind });
  replies.push(await send<{ n: number }>({ cmd: 'ack', ns: ep.ns }, { n: CASE_CALLS, client: kind }));
  return { replies };
}

function expectRecordSeen(cell: string, seen: PacketSeen | undefined): void {
  expect({ cell, ...seen }).toMatchObject({ cell, data: RECORD_DATA, qos: 1, contentType: 'application/json' });
  expect(seen!.userProperties).toMatchObject(RECORD_PROPERTIES.userProperties);
}

/** Each request (n = 0..CASE_CALLS) and event (n = 0..CASE_CALLS-1) of `client` handled exactly once, none redelivered. */
function expectOnce(cell: string, runs: AckRun[], client: string): void {
  const mine = runs.filter((r) => r.client === client);
  const ns = (cmd: string) => mine.filter((r) => r.cmd === cmd).map((r) => r.n).sort((a, b) => a - b);
  const range = (k: number) => Array.from({ length: k }, (_, n) => n);
  expect({ cell, ack: ns('ack'), events: ns('ack_ev'), redelivered: mine.filter((r) => r.redelivered).length }).toEqual({
    cell,
    ack: range(CASE_CALLS + 1),
    events: range(CASE_CALLS),
    redelivered: 0,
  });
}

const caseTransports = (['mqtt', 'rmq'] as const).filter((t) => usable.includes(t));

describe(`mixed majors, records and manual acks: Nest ${nestMajor} with a Nest ${otherMajor} peer`, () => {
  const endpoints: CaseEndpoint[] = [];

  beforeAll(async () => {
    ensureBuild();
    for (const t of caseTransports) {
      for (const server of ['library', 'plain'] as const) endpoints.push({ ...(await endpoint(t)), ns: uniqueName(`cases_${t}_${server}`), server });
    }
  }, 60_000);
  afterAll(async () => {
    for (const ep of endpoints) if (ep.transport === 'mqtt') await clearRetained(recordEventTopic(ep.ns));
  });

  it(`a Nest ${otherMajor} client's records and manual-ack calls reach Nest ${nestMajor} servers, once each`, async () => {
    const servers: INestMicroservice[] = [];
    const sinks = endpoints.map(() => new CaseSink());
    try {
      for (const [i, ep] of endpoints.entries()) {
        const handlers = ep.transport === 'mqtt' ? mqttRecordHandlers(ep.ns, sinks[i]!) : rmqManualAckHandlers(ep.ns, sinks[i]!);
        servers.push(await startServer(ep, [handlers], { library: ep.server === 'library', nest: caseOptions(ep) }));
      }
      const { child, lines } = peer('cases-client', endpoints);
      const out = await nextJson(lines, 60_000);
      child.kill();
      expect(out.major).toBe(otherMajor);
      const results = out.results as Array<{ transport: string; server: string; client: string; ok: boolean; error?: string; reply?: PacketSeen; replies?: Array<{ n: number }> }>;
      expect(results).toHaveLength(endpoints.length * 2);
      for (const r of results) {
        const cell = `${r.transport} Nest ${otherMajor} ${r.client} client -> Nest ${nestMajor} ${r.server} server`;
        expect({ cell, ok: r.ok, error: r.error }).toEqual({ cell, ok: true, error: undefined });
        if (r.transport === 'mqtt') expectRecordSeen(cell, r.reply);
        else expect({ cell, n: r.replies!.map((x) => x.n) }).toEqual({ cell, n: Array.from({ length: CASE_CALLS + 1 }, (_, n) => n) });
      }
      for (const [i, ep] of endpoints.entries()) {
        const sink = sinks[i]!;
        const cell = `${ep.transport} Nest ${nestMajor} ${ep.server} server`;
        if (ep.transport === 'mqtt') {
          await waitFor(() => sink.events.length === 2, 5000, `the record events at the ${cell}`);
          for (const seen of sink.events) expectRecordSeen(cell, seen);
          const retained = await takeRetained(recordEventTopic(ep.ns));
          expect({ cell, ...retained }).toMatchObject({ cell, retain: true, qos: 1, body: { data: RECORD_DATA }, contentType: 'application/json' });
        } else {
          await waitFor(() => sink.runs.filter((r) => r.cmd === 'ack_ev').length >= 2 * CASE_CALLS, 5000, `the events at the ${cell}`);
          for (const client of ['library', 'plain']) expectOnce(`${cell}, ${client} client`, sink.runs, client);
          expect({ cell, channelErrors: sink.channelErrors }).toEqual({ cell, channelErrors: [] });
        }
      }
    } finally {
      await Promise.allSettled(servers.map((s) => s.close()));
    }
  }, 90_000);

  it(`Nest ${nestMajor} clients' records and manual-ack calls reach Nest ${otherMajor} servers, once each`, async () => {
    const { child, lines } = peer('cases-server', endpoints);
    const apps: INestApplicationContext[] = [];
    const plains: ClientProxy[] = [];
    try {
      expect(await nextJson(lines, 60_000)).toEqual({ ready: true, major: otherMajor });
      for (const ep of endpoints) {
        const app = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })] }).compile();
        await app.init();
        apps.push(app);
        const library = app.get<MessagingClient>(getMessagingClientToken('svc'));
        const plain = plainClient(ep);
        plains.push(plain);
        const cell = (client: string) => `${ep.transport} Nest ${nestMajor} ${client} client -> Nest ${otherMajor} ${ep.server} server`;
        // plain first, library last: the retained record event the broker keeps is the library client's
        for (const client of ['plain', 'library'] as const) {
          const result = await caseCalls(ep, client, library, plain);
          if (ep.transport === 'mqtt') expectRecordSeen(cell(client), result.reply);
          else expect({ cell: cell(client), n: result.replies!.map((x) => x.n) }).toEqual({ cell: cell(client), n: Array.from({ length: CASE_CALLS + 1 }, (_, n) => n) });
        }
        type Stats = { major: number; events: PacketSeen[]; runs: AckRun[]; channelErrors: string[] };
        const stats = () => library.request<Stats>({ cmd: 'stats', ns: ep.ns }, {}, { timeout: 5000 });
        if (ep.transport === 'mqtt') {
          await waitFor(async () => (await stats()).events.length === 2, 5000, `the record events at the ${cell('any')}`);
          for (const seen of (await stats()).events) expectRecordSeen(cell('any'), seen);
          const retained = await takeRetained(recordEventTopic(ep.ns));
          expect({ cell: cell('library'), ...retained }).toMatchObject({ cell: cell('library'), retain: true, qos: 1, body: { data: RECORD_DATA } });
        } else {
          await waitFor(async () => (await stats()).runs.filter((r) => r.cmd === 'ack_ev').length >= 2 * CASE_CALLS, 5000, `the events at ${cell('any')}`);
          const final = await stats();
          expect(final.major).toBe(otherMajor);
          for (const client of ['library', 'plain'] as const) expectOnce(cell(client), final.runs, client);
          expect({ cell: cell('any'), channelErrors: final.channelErrors }).toEqual({ cell: cell('any'), channelErrors: [] });
        }
      }
    } finally {
      await Promise.allSettled(plains.map((p) => p.close()));
      await Promise.allSettled(apps.map((a) => a.close()));
      child.stdin!.end();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
  }, 90_000);
});
