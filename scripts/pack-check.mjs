#!/usr/bin/env node
/*
 * npm run pack:check — proves that the published package works for real users.
 *
 * Builds the library, `npm pack`s it, checks the file list, and installs the
 * tarball into two throwaway apps made in a temporary folder outside the
 * repository:
 *   - a CommonJS Nest 11 app (TypeScript compiled to CommonJS),
 *   - an ESM Nest 12 app ("type": "module", TypeScript with module nodenext).
 * Each installs its Nest major from the registry next to the tarball (no
 * legacy-peer-deps: the peer ranges must accept it), compiles against the
 * published type declarations, and runs a TCP round trip through
 * MessagingClient to a @MessageHandler served by messagingMicroservice(), then
 * the same round trip in memory through `nestjs-messaging/testing` (the
 * client overridden to an in-memory server, the recorder read), and imports the
 * `nestjs-messaging/grpc` subpath without @grpc/grpc-js installed (it loads it only for gRPC calls).
 * The ESM app also runs a test of the kit with node's own test runner (`node --test`):
 * the kit needs no jest. Then each runs the installed `nestjs-messaging` command: `asyncapi` on a
 * module with a contract (a class-validator DTO in the CommonJS app, a zod
 * schema in the ESM app, loaded by require and by import), and
 * `contracts diff` of the document with itself (exit 0).
 * Then the consumer compile matrix: one consumer file (in each app's matrix/
 * folder, CommonJS in the Nest 11 app, ESM in the Nest 12 app) imports the main
 * entry and every subpath (opentelemetry, terminus, asyncapi, grpc, testing; so
 * both apps also install @nestjs/terminus and @opentelemetry/api, which the apps'
 * own code never loads) and uses their typed API: versioned contracts and their
 * payload and response types, MessagingModule.forRoot with a client,
 * MessagingClient.request / send / emit, @MessageHandler / @EventHandler,
 * messagingMicroservice, the terminus indicator, the OpenTelemetry
 * instrumentation, generateAsyncApi and diffContracts, a typed gRPC service
 * client, the testing harness and clock; its @ts-expect-error lines fail the
 * compile if a type degrades to any. `tsc --noEmit` compiles it, against the
 * apps' installs, once per cell with the cell's own tsconfig; each TypeScript
 * version is installed once into its own folder, while the library builds:
 *   - TypeScript 5.4, module commonjs / moduleResolution node10, skipLibCheck, Nest 11;
 *   - TypeScript 5.8, 5.9, 6.0 and 7 (the major `npm i -D typescript` installs;
 *     the native compiler), module / moduleResolution nodenext, without
 *     skipLibCheck, on Nest 11 and Nest 12 (lib ES2022 as a Node tsconfig sets
 *     it, TypeScript 7 with the default lib, which adds the DOM's);
 *   - expected, documented failures, which never fail the check but are shown:
 *     TypeScript 5.3 (no NoInfer: the contracts' payload types go unchecked),
 *     and TypeScript 5.7 on Nest 12 without skipLibCheck (the package is
 *     CommonJS and Nest 12 is ESM-only: TypeScript types require() of ESM from
 *     5.8 on, with nodenext).
 * The cells run alongside the apps, as many at once as there are cores, and
 * the check prints the matrix as a table with the first errors of each failed
 * cell; it notes when typescript@latest is a newer major than the matrix's.
 * Exits non-zero on any failure, including a cell that must pass.
 *
 * PACK_CHECK_KEEP=1 keeps the temporary folder.
 */
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const started = Date.now();
const log = (line) => console.log(`[pack-check +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

function fail(message) {
  console.error(`[pack-check] FAILED: ${message}`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'nestjs-messaging-pack-'));
/**
 * The TypeScript versions of the matrix, each installed once into its own folder. 7 is the major that
 * `npm i -D typescript` installs today (the native compiler; its `tsc` is in the package).
 */
const compilers = [
  ['5.3', 'typescript@5.3'],
  ['5.4', 'typescript@5.4'],
  ['5.7', 'typescript@5.7'],
  ['5.8', 'typescript@5.8'],
  ['5.9', 'typescript@5.9'],
  ['6.0', 'typescript@6.0'],
  ['7', 'typescript@^7'],
];
// The compilers of the matrix (step 4) install while the library builds.
const installed = installCompilers();
const latest = run('npm', ['view', 'typescript', 'dist-tags.latest'], { timeout: 30_000 }).then(
  ({ stdout }) => stdout.trim(),
  () => 'unknown',
);

// 1. Build and pack.
log('npm run build');
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
log(`npm pack into ${work}`);
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
);
const tarball = join(work, packed.filename);
const files = packed.files.map((f) => f.path);

// 2. The published files: the build, its types, the docs; no sources, tests or examples.
const mustHave = [
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/http/correlation-id.middleware.js',
  'dist/asyncapi/index.js',
  'dist/asyncapi/index.d.ts',
  'dist/cli/main.js',
  'dist/grpc/index.js',
  'dist/grpc/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
];
const missing = mustHave.filter((f) => !files.includes(f));
if (missing.length) fail(`the tarball lacks ${missing.join(', ')}`);
const unwanted = files.filter((f) => /^(src|test|examples|bench|scripts|compat|\.ci)\//.test(f) || /\.spec\.(js|d\.ts)$/.test(f) || /\.ts$/.test(f) && !f.endsWith('.d.ts'));
if (unwanted.length) fail(`the tarball ships files users do not need: ${unwanted.slice(0, 10).join(', ')}`);
log(`${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(1)} kB`);

// 3. The two apps.
/** A module documented by `nestjs-messaging asyncapi`: one contract, handled and sent. */
const docsSource = ({ esm }) => `import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { Payload, Transport } from '@nestjs/microservices';
${esm ? "import { z } from 'zod';" : "import { IsInt, Min } from 'class-validator';"}
import { defineMessage, MessageHandler, MessagingModule } from 'nestjs-messaging';
import type { AsyncApiOptions } from 'nestjs-messaging/asyncapi';

${esm ? 'export const PingV1 = z.object({ n: z.number().int().min(0) });' : 'export class PingV1 {\n  @IsInt() @Min(0) n!: number;\n}'}
export const Ping = defineMessage({ pattern: { cmd: 'ping' }, versions: { 1: PingV1 } });

@Controller()
class PingHandlers {
  @MessageHandler(Ping)
  ping(@Payload() p: { n: number }) {
    return { n: p.n + 1 };
  }
}

@Module({
  imports: [MessagingModule.forRoot({ clients: [{ name: 'ping', transport: Transport.TCP, options: { port: 3001 }, contracts: [Ping] }] })],
  controllers: [PingHandlers],
})
export class DocsModule {}

export const asyncApiOptions: AsyncApiOptions = {
  info: { title: 'pack-check', version: '1.0.0' },
  servers: { tcp: { transport: Transport.TCP, options: { port: 3001 } } },
};
`;

const appSource = ({ esm }) => `import 'reflect-metadata';
import { Controller, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, Payload, Transport } from '@nestjs/microservices';
import type { AddressInfo, Server } from 'node:net';
import {
  InjectMessagingClient,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingModule,
  messagingMicroservice,
  MessagingTimeoutError,
  runWithMessageContext,
  type MessageMetadata,
} from 'nestjs-messaging';
import { GrpcStatus, grpcStatusOf, MessagingGrpcClient } from 'nestjs-messaging/grpc';
import { MessagingTestHarness } from 'nestjs-messaging/testing';

@Controller()
class PingHandlers {
  @MessageHandler({ cmd: 'ping' })
  ping(@Payload() data: { n: number }, @MessageMeta() meta: MessageMetadata) {
    return { n: data.n + 1, correlationId: meta.correlationId, attempt: meta.attempt };
  }
}

@Module({ controllers: [PingHandlers] })
class ServerModule {}

@Injectable()
class Caller {
  constructor(@InjectMessagingClient('ping') readonly client: MessagingClient) {}
}

async function main(): Promise<void> {
  const server = await NestFactory.createMicroservice(ServerModule, {
    ...messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } }),
    logger: false,
  });
  await server.listen();
  const { port } = server.unwrap<Server>().address() as AddressInfo;

  @Module({
    imports: [MessagingModule.forRoot({ clients: [{ name: 'ping', transport: Transport.TCP, options: { host: '127.0.0.1', port } }] })],
    providers: [Caller],
  })
  class ClientModule {}
  const app = await NestFactory.createApplicationContext(ClientModule, { logger: false });
  try {
    const reply = await runWithMessageContext({ correlationId: 'pack-check-1' }, () =>
      app.get(Caller).client.request<{ n: number; correlationId: string; attempt: number }>({ cmd: 'ping' }, { n: 41 }, { timeout: 3000 }),
    );
    const nest = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;
    const moduleKind = ${esm ? "typeof require === 'undefined' ? 'esm' : 'cjs'" : "typeof module === 'object' ? 'cjs' : 'esm'"};
    const grpc = grpcStatusOf('NOT_FOUND') === GrpcStatus.NOT_FOUND && typeof MessagingGrpcClient.wrap === 'function';
    const memory = await inMemoryRoundTrip(app);
    const ok =
      grpc && reply.n === 42 && reply.correlationId === 'pack-check-1' && reply.attempt === 1 && MessagingTimeoutError.name === 'MessagingTimeoutError' && memory.ok;
    console.log(JSON.stringify({ ok, nest, moduleKind, grpc, reply, memory }));
    if (!ok) process.exitCode = 1;
  } finally {
    await app.close();
    await server.close();
  }
}

/** The same round trip in memory: the app's TCP client 'ping' overridden to an in-memory server, the recorder read. */
async function inMemoryRoundTrip(app: INestApplicationContext) {
  const harness = new MessagingTestHarness();
  const server = await NestFactory.createMicroservice(ServerModule, { ...harness.microservice('ping'), logger: false });
  await server.listen();
  const override = harness.override(app, 'ping').routeTo('ping');
  try {
    const reply = await runWithMessageContext({ correlationId: 'pack-check-2' }, () =>
      app.get(Caller).client.request<{ n: number; correlationId: string }>({ cmd: 'ping' }, { n: 1 }, { timeout: 3000 }),
    );
    const [sent] = harness.sent({ cmd: 'ping' });
    const ok = reply.n === 2 && reply.correlationId === 'pack-check-2' && sent?.endpoint === 'ping' && sent.outcome.status === 'ok';
    return { ok, reply, recorded: harness.recorder.messages.map((m) => \`\${m.kind} \${m.route} \${m.outcome.status}\`) };
  } finally {
    override.restore();
    await server.close();
    harness.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
`;

// A test of the kit under node's own test runner: a 30 s budget on the kit's clock, in memory.
const nodeTestSource = `import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageHandler, MessagingTimeoutError } from 'nestjs-messaging';
import { MessagingTestHarness, TestClock } from 'nestjs-messaging/testing';

@Controller()
class SlowHandlers {
  @MessageHandler({ cmd: 'slow' })
  async slow(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    return 'too late';
  }
}

@Module({ controllers: [SlowHandlers] })
class SlowModule {}

test('a 30 s budget ends in milliseconds on the kit clock, in memory, under node:test', async () => {
  const harness = new MessagingTestHarness();
  const server = await NestFactory.createMicroservice(SlowModule, { ...harness.microservice('slow'), logger: false });
  await server.listen();
  const client = harness.client('slow', 'slow', { timeout: 30_000 });
  const clock = TestClock.install();
  const started = Date.now();
  try {
    const call = client.request({ cmd: 'slow' }, {}).catch((err: unknown) => err);
    await clock.advance(30_000);
    const err = await call;
    assert.ok(err instanceof MessagingTimeoutError);
    assert.equal(err.timeout, 30_000);
    assert.equal(harness.sent({ cmd: 'slow' })[0]?.outcome.status, 'cancelled');
  } finally {
    clock.uninstall();
    await client.close();
    await server.close();
    harness.close();
  }
  assert.ok(Date.now() - started < 5_000);
});
`;


const apps = [
  {
    name: 'cjs-nest11',
    nest: 11,
    moduleKind: 'cjs',
    pkg: { name: 'cjs-nest11', private: true, version: '0.0.0' },
    tsconfig: { module: 'commonjs', moduleResolution: 'node10' },
    nestVersion: '^11.1.0',
    source: appSource({ esm: false }),
    docs: docsSource({ esm: false }),
    docsDeps: ['class-validator@^0.15', 'class-transformer@^0.5', 'class-validator-jsonschema@^5'],
    docsFormat: 'json',
    // A deep import must be refused by the exports map; package.json is exported.
    extra: `const { createRequire } = require('node:module');
const req = createRequire(__filename);
try { req('nestjs-messaging/dist/client/messaging-client'); console.log('DEEP-IMPORT-ALLOWED'); process.exit(1); }
catch (e) { if (e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e; }
if (req('nestjs-messaging/package.json').name !== 'nestjs-messaging') process.exit(1);
if (typeof req('nestjs-messaging/asyncapi').generateAsyncApi !== 'function') process.exit(1);
`,
  },
  {
    name: 'esm-nest12',
    nest: 12,
    moduleKind: 'esm',
    pkg: { name: 'esm-nest12', private: true, version: '0.0.0', type: 'module' },
    tsconfig: { module: 'nodenext', moduleResolution: 'nodenext' },
    nestVersion: '^12.0.0',
    source: appSource({ esm: true }),
    docs: docsSource({ esm: true }),
    docsDeps: ['zod@^4'],
    docsFormat: 'yaml',
    extra: '',
    nodeTest: nodeTestSource,
  },
];

async function buildAndRun(app) {
  const dir = join(work, app.name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(app.pkg, null, 2));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          ...app.tsconfig,
          target: 'ES2022',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          esModuleInterop: true,
          types: ['node'],
          outDir: 'dist',
          rootDir: 'src',
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'src', 'main.ts'), app.source);
  writeFileSync(join(dir, 'src', 'docs.module.ts'), app.docs);
  if (app.nodeTest) writeFileSync(join(dir, 'src', 'kit.test.ts'), app.nodeTest);
  if (app.extra) writeFileSync(join(dir, 'exports-check.cjs'), app.extra);
  // terminus and @opentelemetry/api: optional peers, for the matrix's consumer (the app's code loads neither).
  const deps = ['common', 'core', 'microservices', 'terminus'].map((p) => `@nestjs/${p}@${app.nestVersion}`);
  log(`${app.name}: npm install ${packed.filename} ${deps.join(' ')} ...`);
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...deps, ...app.docsDeps, '@opentelemetry/api@^1.9', 'reflect-metadata@^0.2', 'rxjs@^7.8', 'typescript@~5.9', '@types/node@^20'],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err) => fail(`${app.name}: npm install failed (peer ranges?)\n${err.stderr || err.message}`));
  app.matrix = compileMatrix(app, dir, installed);
  log(`${app.name}: tsc`);
  await run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: dir }).catch((err) =>
    fail(`${app.name}: tsc failed against the published types\n${err.stdout}${err.stderr}`),
  );
  if (app.extra) {
    await run(process.execPath, ['exports-check.cjs'], { cwd: dir }).catch((err) =>
      fail(`${app.name}: the exports map check failed\n${err.stdout}${err.stderr}`),
    );
  }
  log(`${app.name}: node dist/main.js`);
  const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: dir, timeout: 30_000 }).catch((err) =>
    fail(`${app.name}: the app failed\n${err.stdout}${err.stderr}`),
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1));
  if (!result.ok || result.nest !== app.nest || result.moduleKind !== app.moduleKind) {
    fail(`${app.name}: expected Nest ${app.nest} (${app.moduleKind}) and a correct reply, got ${JSON.stringify(result)}`);
  }
  log(`${app.name}: OK ${JSON.stringify(result)}`);
  if (app.nodeTest) {
    log(`${app.name}: node --test dist/kit.test.js`);
    const { stdout: tap } = await run(process.execPath, ['--test', 'dist/kit.test.js'], { cwd: dir, timeout: 60_000 }).catch((err) =>
      fail(`${app.name}: the kit's test under node:test failed\n${err.stdout}${err.stderr}`),
    );
    log(`${app.name}: node:test ${tap.match(/^# (pass|fail) \d+$/gm)?.join(', ')}`);
  }
  await checkCli(app, dir);
}

/** The installed bin: the AsyncAPI document of dist/docs.module.js, then a diff of it with itself. */
async function checkCli(app, dir) {
  const bin = join(dir, 'node_modules', '.bin', 'nestjs-messaging');
  const out = `asyncapi.${app.docsFormat}`;
  log(`${app.name}: nestjs-messaging asyncapi dist/docs.module.js --out ${out}`);
  await run(bin, ['asyncapi', 'dist/docs.module.js', '--out', out], { cwd: dir, timeout: 60_000 }).catch((err) =>
    fail(`${app.name}: nestjs-messaging asyncapi failed (exit ${err.code})\n${err.stdout}${err.stderr}`),
  );
  const text = readFileSync(join(dir, out), 'utf8');
  const payload = app.docsFormat === 'json' ? JSON.stringify(JSON.parse(text).components.schemas.PingV1) : text;
  const expected = app.docsFormat === 'json' ? /"n":\{"minimum":0,"type":"integer"\}/ : /cmd\.ping\.v1:[\s\S]*type: integer[\s\S]*minimum: 0/;
  if (!text.startsWith(app.docsFormat === 'json' ? '{\n  "asyncapi": "3.0.0"' : 'asyncapi: 3.0.0') || !expected.test(payload)) {
    fail(`${app.name}: the generated document is not as expected:\n${text.slice(0, 2000)}`);
  }
  const { stdout } = await run(bin, ['contracts', 'diff', out, out], { cwd: dir, timeout: 30_000 }).catch((err) =>
    fail(`${app.name}: nestjs-messaging contracts diff failed (exit ${err.code})\n${err.stdout}${err.stderr}`),
  );
  if (!stdout.includes('## Contract changes: none')) fail(`${app.name}: unexpected diff report\n${stdout}`);
  log(`${app.name}: CLI OK (${out}, ${text.length} characters; contracts diff exit 0)`);
}

// 4. The consumer compile matrix: one consumer file that imports every entry of the package and uses its
// typed API (its @ts-expect-error lines fail the compile if a type degrades to any), compiled with
// `tsc --noEmit` by several TypeScript versions against the apps' installs (no new Nest install).
/** The consumer: the main entry and every subpath (exports and typesVersions), representative typed API. */
const consumerSource = ({ esm }) => `// The consumer compile matrix: every entry point of the package, typed API of each.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, Transport, type ClientGrpc } from '@nestjs/microservices';
import { HealthCheck, HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import { lastValueFrom, type Observable } from 'rxjs';
${esm ? "import { z } from 'zod';" : "import { IsInt, IsString, Min } from 'class-validator';"}
import {
  defineEvent,
  defineMessage,
  EventHandler,
  InjectMessagingClient,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingErrorCode,
  MessagingModule,
  messagingMicroservice,
  MessagingTimeoutError,
  runWithMessageContext,
  timeLeft,
  type CallPolicy,
  type MessageMetadata,
  type PayloadOf,
  type ResponseOf,
} from 'nestjs-messaging';
import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';
import { MessagingHealthIndicator } from 'nestjs-messaging/terminus';
import { diffContracts, formatDiffReport, generateAsyncApi, type AsyncApiDocument, type AsyncApiOptions } from 'nestjs-messaging/asyncapi';
import { GrpcStatus, grpcStatusOf, MessagingGrpcClient, type GrpcServiceClient } from 'nestjs-messaging/grpc';
import { MessagingTestHarness, TestClock, type RecordedMessage } from 'nestjs-messaging/testing';
import { decodeMetadata, encodeMetadata, MetadataKeys, type CircuitBreakerOptions, type WireMetadata } from 'nestjs-messaging/extend';

${
  esm
    ? `const GetUserV1 = z.object({ userId: z.number().int() });
const GetUserV2 = z.object({ id: z.number().int().min(1) });
const UserDto = z.object({ id: z.number(), name: z.string() });
const UserCreatedV1 = z.object({ id: z.number(), name: z.string() });`
    : `class GetUserV1 {
  @IsInt() userId!: number;
}
class GetUserV2 {
  @IsInt() @Min(1) id!: number;
}
class UserDto {
  @IsInt() id!: number;
  @IsString() name!: string;
}
class UserCreatedV1 {
  @IsInt() id!: number;
  @IsString() name!: string;
}`
}

export const GetUser = defineMessage({
  pattern: { cmd: 'get_user' },
  versions: { 1: GetUserV1, 2: GetUserV2 },
  upcast: { 1: (v1) => ({ id: v1.userId }) },
  response: UserDto,
});
export const UserCreated = defineEvent({ pattern: 'user_created', versions: { 1: UserCreatedV1 } });

// The contract's types: payload per version, response.
const v2: PayloadOf<typeof GetUser> = { id: 1 };
const v1: PayloadOf<typeof GetUser, 1> = { userId: 1 };
type User = ResponseOf<typeof GetUser>;
const user: User = { id: 1, name: 'Sample' };
void [v2, v1, user];

@Controller()
class UsersController {
  @MessageHandler(GetUser, { unknownProperties: 'strip', maxPayloadSize: 64 * 1024 })
  getUser(@Payload() data: PayloadOf<typeof GetUser>, @MessageMeta() meta: MessageMetadata): User {
    return { id: data.id, name: meta.correlationId };
  }

  @EventHandler(UserCreated)
  created(@Payload() data: PayloadOf<typeof UserCreated>): void {
    void data.name;
  }
}

interface UsersGrpc {
  getUser(request: { id: number }): Observable<{ id: number; name: string }>;
}

@Injectable()
class Users {
  constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}

  async byContract(id: number): Promise<string> {
    const found = await this.users.request(GetUser, { id }, { timeout: 1000 });
    const old = await this.users.request(GetUser, { userId: id }, { version: 1 });
    // @ts-expect-error the payload of the current version is checked
    await this.users.request(GetUser, { userId: id });
    // @ts-expect-error the response is typed by the contract
    const wrong: string = await this.users.request(GetUser, { id });
    void wrong;
    await lastValueFrom(this.users.emit(UserCreated, { id, name: found.name }));
    return found.name + old.name + String(timeLeft() ?? 0);
  }

  async byPattern(): Promise<number> {
    const sum = await this.users.request<number, number[]>({ cmd: 'sum' }, [1, 2, 3], { timeout: 1000, idempotent: true });
    return sum + (await lastValueFrom(this.users.send<number>({ cmd: 'sum' }, [4])));
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly messaging: MessagingHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.messaging.isHealthy('users', { timeout: 500 })]);
  }
}

// The building blocks of nestjs-messaging/extend: the wire format, option sub-types.
const wire: WireMetadata = encodeMetadata({ messageId: 'm1', correlationId: 'c1', attempt: 1, app: {} });
const decoded: MessageMetadata = decodeMetadata(wire);
const breaker: CircuitBreakerOptions = { consecutiveFailures: 5, halfOpenAfter: 10_000 };
void [decoded.correlationId, wire[MetadataKeys.correlationId], breaker];

const tracing = new OpenTelemetryInstrumentation();
const policy: CallPolicy = { timeout: 2000, retry: { maxAttempts: 3 } };

@Module({
  imports: [
    TerminusModule,
    MessagingModule.forRoot({
      defaults: policy,
      instrumentation: [tracing],
      clients: [{ name: 'users', transport: Transport.TCP, options: { host: '127.0.0.1', port: 3001 }, contracts: [GetUser, UserCreated] }],
    }),
  ],
  controllers: [UsersController, HealthController],
  providers: [Users, MessagingHealthIndicator],
})
export class AppModule {}

export async function serve(): Promise<void> {
  const server = await NestFactory.createMicroservice(AppModule, {
    ...messagingMicroservice({ transport: Transport.TCP, options: { port: 3001 } }, { instrumentation: [tracing] }),
    logger: false,
  });
  await server.listen();
}

export function grpcUsers(grpc: ClientGrpc): Observable<{ id: number; name: string }> {
  const client = MessagingGrpcClient.wrap(grpc, 'users', { timeout: 1000 });
  const users: GrpcServiceClient<UsersGrpc> = client.getService<UsersGrpc>('UsersService');
  const status: GrpcStatus = grpcStatusOf('NOT_FOUND');
  void status;
  return users.getUser({ id: 1 }, { timeout: 500 });
}

export async function document(): Promise<string> {
  const options: AsyncApiOptions = { info: { title: 'users', version: '1.0.0' } };
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const doc: AsyncApiDocument = await generateAsyncApi(app, options);
  await app.close();
  return formatDiffReport(diffContracts(doc, doc));
}

export async function inMemory(): Promise<RecordedMessage[]> {
  const harness = new MessagingTestHarness();
  const server = await NestFactory.createMicroservice(AppModule, { ...harness.microservice('users'), logger: false });
  await server.listen();
  const client = harness.client('users');
  const clock = TestClock.install();
  try {
    harness.fault({ cmd: 'get_user' }).failNext(1, MessagingErrorCode.UNAVAILABLE);
    const reply = await runWithMessageContext({ correlationId: 'c-1' }, () => client.request(GetUser, { id: 1 }));
    void reply.name;
    await clock.advance(1000);
    return harness.sent(GetUser).filter((m) => m.outcome.status === 'ok');
  } catch (err) {
    if (err instanceof MessagingTimeoutError) return [];
    throw err;
  } finally {
    clock.uninstall();
    await client.close();
    await server.close();
    harness.close();
  }
}
`;

const node10 = { module: 'commonjs', moduleResolution: 'node10' };
const nodenext = { module: 'nodenext', moduleResolution: 'nodenext' };
/** `lib` as a Node tsconfig sets it (checking the DOM's declarations would double the time of a cell)... */
const es2022 = { lib: ['ES2022'] };
/** ...or left to the default (ES2022 and the DOM), as many tsconfigs do: in the cheap cells. */
const defaultLib = { lib: undefined };
/**
 * The cells. `expect` marks an expected, documented failure: it never fails the check, and the table
 * says if it passes, or fails for other reasons (then the documented range needs another look).
 */
const cells = [
  { ts: '5.4', app: 'cjs-nest11', ...node10, ...defaultLib, skipLibCheck: true },
  { ts: '5.8', app: 'cjs-nest11', ...nodenext, ...es2022, skipLibCheck: false },
  { ts: '5.8', app: 'esm-nest12', ...nodenext, ...es2022, skipLibCheck: false },
  { ts: '5.9', app: 'cjs-nest11', ...nodenext, ...es2022, skipLibCheck: false },
  { ts: '5.9', app: 'esm-nest12', ...nodenext, ...es2022, skipLibCheck: false },
  { ts: '6.0', app: 'cjs-nest11', ...nodenext, ...es2022, skipLibCheck: false },
  { ts: '6.0', app: 'esm-nest12', ...nodenext, ...es2022, skipLibCheck: false },
  { ts: '7', app: 'cjs-nest11', ...nodenext, ...defaultLib, skipLibCheck: false },
  { ts: '7', app: 'esm-nest12', ...nodenext, ...defaultLib, skipLibCheck: false },
  {
    ts: '5.3',
    app: 'cjs-nest11',
    ...node10,
    ...defaultLib,
    skipLibCheck: true,
    expect: { codes: ['TS2578', 'TS2304'], why: "no NoInfer before TypeScript 5.4: the contracts' payload types go unchecked" },
  },
  {
    ts: '5.7',
    app: 'esm-nest12',
    ...nodenext,
    ...es2022,
    skipLibCheck: false,
    expect: {
      codes: ['TS1479', 'TS1541'],
      why: 'the package is CommonJS and Nest 12 is ESM-only: TypeScript types require() of ESM from 5.8 on (nodenext)',
    },
  },
];

/** Runs at most `limit` tasks at once (each tsc is one busy core), the costliest waiting task first. */
function limiter(limit) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= limit || !queue.length) return;
    active++;
    queue.sort((a, b) => b.cost - a.cost);
    const { task, resolve, reject } = queue.shift();
    task()
      .then(resolve, reject)
      .finally(() => {
        active--;
        next();
      });
  };
  return (task, cost) =>
    new Promise((resolve, reject) => {
      queue.push({ task, cost, resolve, reject });
      next();
    });
}
const compileSlot = limiter(Math.max(1, availableParallelism()));

/** A cell's rough cost, to start the long ones first: checking the declarations costs most, more on Nest 12 (zod). */
const costOf = (cell, app) => (cell.skipLibCheck ? 1 : cell.ts === '7' ? 2 : app.nest === 12 ? 4 : 3);

/** Installs each TypeScript version once, beside the apps; resolves with its version and tsc. */
function installCompilers() {
  return Object.fromEntries(
    compilers.map(([key, spec]) => {
      const dir = join(work, `typescript-${key}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `typescript-${key}`, private: true, version: '0.0.0' }));
      const installed = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', spec], { cwd: dir })
        .catch((err) => fail(`npm install ${spec} failed\n${err.stderr || err.message}`))
        .then(() => ({
          version: JSON.parse(readFileSync(join(dir, 'node_modules', 'typescript', 'package.json'), 'utf8')).version,
          tsc: join(dir, 'node_modules', '.bin', 'tsc'),
        }));
      return [key, installed];
    }),
  );
}

/** Writes the consumer and the cells' tsconfigs into the app, then compiles each cell of the app. */
function compileMatrix(app, dir, installed) {
  const folder = join(dir, 'matrix');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'consumer.ts'), consumerSource({ esm: app.moduleKind === 'esm' }));
  return cells
    .filter((cell) => cell.app === app.name)
    .map(async (cell) => {
      const { version, tsc } = await installed[cell.ts];
      const config = `tsconfig.ts${cell.ts}-${cell.moduleResolution}-${cell.skipLibCheck ? 'skiplibcheck' : 'libcheck'}.json`;
      const compilerOptions = {
        module: cell.module,
        moduleResolution: cell.moduleResolution,
        target: 'ES2022',
        lib: cell.lib,
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: cell.skipLibCheck,
        esModuleInterop: true,
        types: ['node'],
      };
      writeFileSync(join(folder, config), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }, null, 2));
      return compileSlot(async () => {
        const start = Date.now();
        const output = await run(tsc, ['--noEmit', '-p', config], { cwd: folder, maxBuffer: 16 * 1024 * 1024 }).then(
          () => null,
          (err) => `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message,
        );
        const errors = output === null ? [] : output.split('\n').filter((line) => /error TS\d+/.test(line) || !/^\s/.test(line));
        const codes = new Set(errors.flatMap((line) => line.match(/TS\d+/g) ?? []));
        const result = { ...cell, nest: app.nest, version, ok: output === null, seconds: (Date.now() - start) / 1000, errors };
        result.status = !cell.expect
          ? result.ok ? 'ok' : 'FAIL'
          : result.ok ? 'passed (expected to fail: revisit the documented range)'
          : cell.expect.codes.some((code) => codes.has(code)) ? 'expected failure' : 'failed, not as expected (revisit the documented range)';
        log(`matrix: TypeScript ${version} ${cell.module}/${cell.moduleResolution} Nest ${app.nest} skipLibCheck ${cell.skipLibCheck}: ${result.status} (${result.seconds.toFixed(1)} s)`);
        return result;
      }, costOf(cell, app));
    });
}

/** The matrix table; false when a cell that must pass failed. */
function reportMatrix(results) {
  const order = (r) => [compilers.findIndex(([key]) => key === r.ts), r.nest, r.skipLibCheck ? 0 : 1];
  results.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  const rows = [['TypeScript', 'module / moduleResolution', 'Nest', 'skipLibCheck', 'lib', 'result']];
  for (const r of results) {
    const what = r.expect && !r.ok ? `${r.status}: ${r.expect.why}` : r.status;
    const lib = r.lib?.join(', ') ?? 'default';
    rows.push([r.version, `${r.module} / ${r.moduleResolution}`, String(r.nest), String(r.skipLibCheck), lib, `${what} (${r.seconds.toFixed(1)} s)`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line), ''].join('\n'));
  for (const r of results.filter((r) => !r.ok)) {
    console.log(`TypeScript ${r.version} ${r.module}/${r.moduleResolution} Nest ${r.nest} skipLibCheck ${r.skipLibCheck} (${r.status}), first errors:`);
    console.log(r.errors.slice(0, 3).map((e) => `  ${e.length > 300 ? `${e.slice(0, 300)}...` : e}`).join('\n'));
  }
  const failed = results.filter((r) => !r.ok && !r.expect);
  if (failed.length) console.error(`[pack-check] FAILED: ${failed.length} cell(s) of the consumer compile matrix failed against the published types`);
  return !failed.length;
}

try {
  await Promise.all(apps.map(buildAndRun));
  log('both apps passed');
  const passed = reportMatrix(await Promise.all(apps.flatMap((app) => app.matrix)));
  const current = await latest;
  const [tested] = compilers.at(-1);
  if (current.split('.')[0] !== tested) log(`note: typescript@latest is ${current}; the matrix's newest major is ${tested}`);
  if (passed) log(`the consumer compile matrix passed (typescript@latest is ${current})`);
  else process.exitCode = 1;
} finally {
  if (process.env.PACK_CHECK_KEEP === '1') log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
