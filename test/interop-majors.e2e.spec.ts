import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Controller, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { GrpcMethod, MessagePattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, from, lastValueFrom, toArray, type Observable } from 'rxjs';
import {
  getMessageContext,
  getMessagingClientToken,
  MessageMeta,
  MessagingClient,
  MessagingModule,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { GrpcHandler, MessagingGrpcClient } from '../src/grpc';
import { brokersRequired, reachableBrokers } from './support/brokers';
import { grpcOptions, plainGrpcClient, SERVICE, startGrpcServer, type EchoReply, type EchoRequest, type EchoService, type RunningGrpc } from './support/grpc';
import { nestMajor } from './support/nest';
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

function peer(role: 'server' | 'client', endpoints: PeerEndpoint[], grpcUrl = ''): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
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
