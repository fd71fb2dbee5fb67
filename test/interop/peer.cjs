// The other side of test/interop-majors.e2e.spec.ts: a Nest app of the OTHER major than
// the jest run, using the library's build (dist/). PEER_MAJOR=11 redirects every
// @nestjs/* require to the compat/nest11 workspace's copies (as jest.nest11.config.ts
// does); PEER_MAJOR=12 uses the root's Nest 12, loaded through require(esm).
// ROLE=server: starts a library server per endpoint and a library gRPC server (127.0.0.1:0), prints
//   {"ready":true,"grpcUrl":...}, runs until stdin closes.
// ROLE=client: calls every endpoint with a MessagingClient and a plain ClientProxy, and the gRPC server at
//   PEER_GRPC_URL with a MessagingGrpcClient and a plain ClientGrpc, prints the results.
'use strict';
const path = require('node:path');
const NodeModule = require('node:module');

const root = path.resolve(__dirname, '../..');
const MAJOR = process.env.PEER_MAJOR;
if (MAJOR === '11') {
  const base = path.join(root, 'compat/nest11/node_modules/');
  const resolve = NodeModule._resolveFilename;
  NodeModule._resolveFilename = function (request, ...rest) {
    if (/^@nestjs\/(common|core|microservices|testing)(\/.*)?$/.test(request)) request = base + request;
    return resolve.call(this, request, ...rest);
  };
}
require('reflect-metadata');
const lib = require(path.join(root, 'dist/index.js'));
const libGrpc = require(path.join(root, 'dist/grpc/index.js'));
const { Controller, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const ms = require('@nestjs/microservices');
const { firstValueFrom, from, lastValueFrom, toArray } = require('rxjs');
const GRPC_PROTO = path.join(root, 'test/fixtures/grpc/echo.proto');

const loadedMajor = typeof ms.ClientProxy.prototype.setOnDispatchHook === 'function' ? 12 : 11;
const endpoints = JSON.parse(process.env.PEER_ENDPOINTS);

function nestOptions(ep) {
  switch (ep.transport) {
    case 'tcp': return { transport: ms.Transport.TCP, options: { host: '127.0.0.1', port: ep.port } };
    case 'redis': return { transport: ms.Transport.REDIS, options: { host: '127.0.0.1', port: 6379 } };
    case 'nats': return { transport: ms.Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } };
    case 'rmq': return { transport: ms.Transport.RMQ, options: { urls: ['amqp://guest:guest@127.0.0.1:5672'], queue: ep.queue, queueOptions: { durable: false, autoDelete: true } } };
    case 'mqtt': return { transport: ms.Transport.MQTT, options: { url: 'mqtt://127.0.0.1:1883', protocolVersion: 5 } };
    default: throw new Error(`unknown transport ${ep.transport}`);
  }
}

function controller(ns) {
  class Handlers {
    echo(data, meta) { return { data, correlationId: meta.correlationId, app: meta.app, major: loadedMajor }; }
    plain(data) { return { data, major: loadedMajor }; }
  }
  const p = Handlers.prototype;
  ms.Payload()(p, 'echo', 0);
  lib.MessageMeta()(p, 'echo', 1);
  lib.MessageHandler({ cmd: 'echo', ns })(p, 'echo', Object.getOwnPropertyDescriptor(p, 'echo'));
  ms.Payload()(p, 'plain', 0);
  ms.MessagePattern({ cmd: 'plain', ns })(p, 'plain', Object.getOwnPropertyDescriptor(p, 'plain'));
  Controller()(Handlers);
  return Handlers;
}

// gRPC: Say is the library's @GrpcHandler (it reads the message context), Count a plain @GrpcMethod (it reads raw metadata).
function grpcController() {
  class GrpcHandlers {
    say(request) {
      const ctx = lib.getMessageContext();
      return { text: request.text, correlationId: ctx.correlationId, tenant: ctx.app.tenant || '', attempt: loadedMajor };
    }
    count(request, metadata) {
      const correlationId = String(metadata.get('msg-correlation-id')[0] || '');
      return from([0, 1].map((index) => ({ index, correlationId, attempt: loadedMajor })));
    }
  }
  const p = GrpcHandlers.prototype;
  libGrpc.GrpcHandler('Echo', 'Say')(p, 'say', Object.getOwnPropertyDescriptor(p, 'say'));
  ms.GrpcMethod('Echo', 'Count')(p, 'count', Object.getOwnPropertyDescriptor(p, 'count'));
  Controller()(GrpcHandlers);
  return GrpcHandlers;
}

const grpcOptions = (url) => ({ transport: ms.Transport.GRPC, options: { package: 'messaging.test', protoPath: GRPC_PROTO, url } });

async function serve() {
  const apps = [];
  class GrpcModule {}
  Module({ controllers: [grpcController()] })(GrpcModule);
  const grpcStrategy = lib.messagingMicroservice(grpcOptions('127.0.0.1:0')).strategy;
  const grpcApp = await NestFactory.createMicroservice(GrpcModule, { strategy: grpcStrategy, logger: false });
  await grpcApp.listen();
  apps.push(grpcApp);
  for (const ep of endpoints) {
    class ServerModule {}
    Module({ controllers: [controller(ep.ns)] })(ServerModule);
    const app = await NestFactory.createMicroservice(ServerModule, {
      ...lib.messagingMicroservice(nestOptions(ep), ep.transport === 'rmq' ? { rmq: { deadLetterQueue: false } } : {}),
      logger: false,
    });
    await app.listen();
    apps.push(app);
  }
  process.stdout.write(JSON.stringify({ ready: true, major: loadedMajor, grpcUrl: `127.0.0.1:${grpcStrategy.port}` }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.allSettled(apps.map((a) => a.close()));
    process.exit(0);
  });
}

async function call() {
  const results = [];
  for (const ep of endpoints) {
    class AppModule {}
    Module({ imports: [lib.MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })] })(AppModule);
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const library = app.get(lib.getMessagingClientToken('svc'));
    const plain = ms.ClientProxyFactory.create(nestOptions(ep));
    for (const handler of ['echo', 'plain']) {
      const pattern = { cmd: handler, ns: ep.ns };
      const cell = async (client, fn) => {
        try {
          results.push({ transport: ep.transport, handler, client, ok: true, reply: await fn() });
        } catch (err) {
          results.push({ transport: ep.transport, handler, client, ok: false, error: String(err && err.message || err) });
        }
      };
      await cell('library', () =>
        lib.runWithMessageContext({ correlationId: 'majors-1', app: { tenant: 'acme' } }, () => library.request(pattern, { n: 1 }, { timeout: 3000 })));
      await cell('plain', () => firstValueFrom(plain.send(pattern, { n: 2 })));
    }
    await plain.close();
    await app.close();
  }
  const grpc = await callGrpc(process.env.PEER_GRPC_URL);
  process.stdout.write(JSON.stringify({ major: loadedMajor, results, grpc }) + '\n');
  process.exit(0);
}

async function callGrpc(url) {
  const out = [];
  const cell = async (client, method, fn) => {
    try {
      out.push({ client, method, ok: true, reply: await fn() });
    } catch (err) {
      out.push({ client, method, ok: false, error: String((err && err.message) || err) });
    }
  };
  class AppModule {}
  Module({ imports: [lib.MessagingModule.forRoot({ clients: [{ name: 'grpc', ...grpcOptions(url) }] })] })(AppModule);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const echo = app.get(lib.getMessagingClientToken('grpc')).getService('Echo');
  const inContext = (fn) => lib.runWithMessageContext({ correlationId: 'majors-grpc-1', app: { tenant: 'acme' } }, fn);
  await cell('library', 'say', () => inContext(() => lastValueFrom(echo.say({ text: 'lib' }, { timeout: 3000 }))));
  await cell('library', 'count', () => inContext(() => lastValueFrom(echo.count({ count: 2 }, { timeout: 3000 }).pipe(toArray()))));
  const plain = ms.ClientProxyFactory.create(grpcOptions(url));
  const plainEcho = plain.getService('Echo');
  await cell('plain', 'say', () => lastValueFrom(plainEcho.say({ text: 'plain' })));
  await cell('plain', 'count', () => lastValueFrom(plainEcho.count({ count: 2 }).pipe(toArray())));
  plain.close();
  await app.close();
  return out;
}

// ROLE=cases-server / cases-client: issue 11 item 7 (see test/interop/cases.ts, the same handlers
// for the jest side): MqttRecordBuilder records over MQTT, RabbitMQ handlers that acknowledge
// themselves (noAck: false). Each endpoint names its server: 'library' or 'plain' (Nest's own).

function caseOptions(ep) {
  const nest = nestOptions(ep);
  return ep.transport === 'rmq' ? { ...nest, options: { ...nest.options, noAck: false } } : nest;
}

function caseController(ep, sink) {
  const { ns } = ep;
  const seen = (data, ctx) => {
    const packet = ctx.getPacket();
    return { data, qos: packet.qos, userProperties: packet.properties && packet.properties.userProperties, contentType: packet.properties && packet.properties.contentType };
  };
  const settleOwn = (cmd, data, ctx) => {
    const channel = ctx.getChannelRef();
    if (!sink.watched.has(channel)) {
      sink.watched.add(channel);
      channel.on('error', (err) => sink.channelErrors.push(String(err && err.message || err)));
    }
    const message = ctx.getMessage();
    if (cmd) sink.runs.push({ cmd, n: data.n, client: data.client, redelivered: message.fields.redelivered });
    channel.ack(message);
  };
  class CaseHandlers {
    record(data, ctx) { return seen(data, ctx); }
    recordEvent(data, ctx) { sink.events.push(seen(data, ctx)); }
    ack(data, ctx) { settleOwn('ack', data, ctx); return { n: data.n }; }
    ackEvent(data, ctx) { settleOwn('ack_ev', data, ctx); }
    stats(_data, ctx) {
      if (ep.transport === 'rmq') settleOwn(undefined, undefined, ctx);
      return { major: loadedMajor, events: sink.events, runs: sink.runs, channelErrors: sink.channelErrors };
    }
  }
  const p = CaseHandlers.prototype;
  const define = (name, decorator) => {
    ms.Payload()(p, name, 0);
    ms.Ctx()(p, name, 1);
    decorator(p, name, Object.getOwnPropertyDescriptor(p, name));
  };
  if (ep.transport === 'mqtt') {
    define('record', ms.MessagePattern({ cmd: 'record', ns }, { qos: 1 }));
    define('recordEvent', ms.EventPattern({ cmd: 'record_ev', ns }, { qos: 1 }));
  } else {
    define('ack', ms.MessagePattern({ cmd: 'ack', ns }));
    define('ackEvent', ms.EventPattern({ cmd: 'ack_ev', ns }));
  }
  define('stats', ms.MessagePattern({ cmd: 'stats', ns }));
  Controller()(CaseHandlers);
  return CaseHandlers;
}

async function serveCases() {
  const apps = [];
  for (const ep of endpoints) {
    const sink = { events: [], runs: [], channelErrors: [], watched: new WeakSet() };
    class ServerModule {}
    Module({ controllers: [caseController(ep, sink)] })(ServerModule);
    const options = ep.server === 'library'
      ? lib.messagingMicroservice(caseOptions(ep), ep.transport === 'rmq' ? { rmq: { deadLetterQueue: false } } : {})
      : caseOptions(ep);
    const app = await NestFactory.createMicroservice(ServerModule, { ...options, logger: false });
    await app.listen();
    apps.push(app);
  }
  process.stdout.write(JSON.stringify({ ready: true, major: loadedMajor }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.allSettled(apps.map((a) => a.close()));
    process.exit(0);
  });
}

const CASE_CALLS = 10;

function mqttRecord(retain) {
  return new ms.MqttRecordBuilder({ items: [1, 2, 3] })
    .setQoS(1)
    .setRetain(retain)
    .setProperties({ userProperties: { 'x-tenant': 'acme' }, contentType: 'application/json' })
    .build();
}

async function callCases() {
  const { timeout } = require('rxjs');
  const results = [];
  for (const ep of endpoints) {
    class AppModule {}
    Module({ imports: [lib.MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })] })(AppModule);
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const library = app.get(lib.getMessagingClientToken('svc'));
    const plain = ms.ClientProxyFactory.create(nestOptions(ep));
    // plain first, library last: the retained record event the broker keeps is the library client's
    for (const client of ['plain', 'library']) {
      const send = (pattern, data) => client === 'library'
        ? library.request(pattern, data, { timeout: 5000 })
        : firstValueFrom(plain.send(pattern, data).pipe(timeout(5000)));
      const emit = (pattern, data) => client === 'library'
        ? firstValueFrom(library.emit(pattern, data))
        : firstValueFrom(plain.emit(pattern, data), { defaultValue: undefined });
      const cell = { transport: ep.transport, server: ep.server, client };
      try {
        if (ep.transport === 'mqtt') {
          cell.reply = await send({ cmd: 'record', ns: ep.ns }, mqttRecord(false));
          await emit({ cmd: 'record_ev', ns: ep.ns }, mqttRecord(true));
        } else {
          cell.replies = await Promise.all(Array.from({ length: CASE_CALLS }, (_, n) => send({ cmd: 'ack', ns: ep.ns }, { n, client })));
          for (let n = 0; n < CASE_CALLS; n++) await emit({ cmd: 'ack_ev', ns: ep.ns }, { n, client });
          // one more round trip on the queue: a redelivery after a channel close would come first
          cell.replies.push(await send({ cmd: 'ack', ns: ep.ns }, { n: CASE_CALLS, client }));
        }
        cell.ok = true;
      } catch (err) {
        cell.ok = false;
        cell.error = String(err && err.message || err);
      }
      results.push(cell);
    }
    await plain.close();
    await app.close();
  }
  process.stdout.write(JSON.stringify({ major: loadedMajor, results }) + '\n');
  process.exit(0);
}

const ROLES = { server: serve, client: call, 'cases-server': serveCases, 'cases-client': callCases };
(ROLES[process.env.ROLE] || call)().catch((err) => {
  process.stderr.write(`peer failed: ${err && err.stack || err}\n`);
  process.exit(1);
});
