import { Controller, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventPattern, GrpcMethod, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
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
import { describeWithBroker } from './support/brokers';
import {
  grpc,
  grpcOptions,
  plainGrpcClient,
  rawEchoClient,
  rawUnary,
  SERVICE,
  startGrpcServer,
  startRawServer,
  type EchoReply,
  type EchoRequest,
  type EchoService,
} from './support/grpc';
import { nestMajor, waitFor } from './support/nest';
import { CaseSink, clearRetained, mqttRecord, mqttRecordHandlers, recordEventTopic, RECORD_DATA, RECORD_PROPERTIES, rmqManualAckHandlers, takeRetained, type PacketSeen } from './interop/cases';
import { BROKER_OF, endpoint, nestOptions, plainClient, startServer, TRANSPORTS, uniqueName, type Endpoint } from './support/transports';

/**
 * The interop matrix in one Nest major: {MessagingClient, plain ClientProxy} x
 * {library handler on the library's server, plain handler on Nest's own server},
 * per transport; for gRPC, {MessagingGrpcClient, plain ClientGrpc, plain
 * @grpc/grpc-js client} x {@GrpcHandler and plain @GrpcMethod on the
 * library's server, @GrpcMethod on Nest's own server, a plain @grpc/grpc-js
 * server}. Mixed majors: test/interop-majors.e2e.spec.ts.
 */
function controllers(ns: string) {
  const events: Array<{ kind: string; data: unknown; correlationId?: string }> = [];

  @Controller()
  class LibraryHandler {
    @MessagePattern({ cmd: 'echo', ns })
    echo(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata) {
      return { data, correlationId: meta.correlationId, app: meta.app };
    }

    @EventPattern({ cmd: 'ev', ns })
    ev(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata) {
      events.push({ kind: 'library', data, correlationId: meta.correlationId });
    }
  }

  @Controller()
  class PlainHandler {
    @MessagePattern({ cmd: 'echo', ns })
    echo(@Payload() data: unknown) {
      return { data };
    }

    @EventPattern({ cmd: 'ev', ns })
    ev(@Payload() data: unknown) {
      events.push({ kind: 'plain', data });
    }
  }
  return { LibraryHandler, PlainHandler, events };
}

type Caller = { kind: 'library'; client: MessagingClient } | { kind: 'plain'; client: ClientProxy };

async function request(caller: Caller, pattern: object, data: unknown): Promise<Record<string, unknown>> {
  if (caller.kind === 'library') {
    return runWithMessageContext({ correlationId: 'interop-1', app: { tenant: 'acme' } }, () =>
      caller.client.request<Record<string, unknown>>(pattern as Record<string, unknown>, data, { timeout: 3000 }),
    );
  }
  return firstValueFrom(caller.client.send(pattern, data));
}

async function emit(caller: Caller, pattern: object, data: unknown): Promise<void> {
  if (caller.kind === 'library') {
    await runWithMessageContext({ correlationId: 'interop-ev' }, () =>
      lastValueFrom(caller.client.emit(pattern as Record<string, unknown>, data)),
    );
  } else {
    await lastValueFrom(caller.client.emit(pattern, data), { defaultValue: undefined });
  }
}

describe.each(TRANSPORTS)(`interop over %s (Nest ${nestMajor})`, (transport) => {
  describeWithBroker(BROKER_OF[transport], `interop matrix over ${transport} (Nest ${nestMajor})`, () => {
    describe.each(['library', 'plain'] as const)('%s handler', (handlerKind) => {
      const ns = uniqueName(`${transport}_${handlerKind}`);
      const { LibraryHandler, PlainHandler, events } = controllers(ns);
      let ep: Endpoint;
      let server: INestMicroservice;
      let app: INestApplicationContext;
      let library: MessagingClient;
      let plain: ClientProxy;

      beforeAll(async () => {
        ep = await endpoint(transport);
        server = await startServer(ep, [handlerKind === 'library' ? LibraryHandler : PlainHandler], {
          library: handlerKind === 'library',
        });
        app = await Test.createTestingModule({
          imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })],
        }).compile();
        await app.init();
        library = app.get<MessagingClient>(getMessagingClientToken('svc'));
        plain = plainClient(ep);
      });
      afterAll(async () => {
        await plain?.close();
        await app?.close();
        await server?.close();
      });

      it.each(['library', 'plain'] as const)('%s client: request with object and primitive payloads, and an event', async (clientKind) => {
        const caller: Caller = clientKind === 'library' ? { kind: 'library', client: library } : { kind: 'plain', client: plain };
        const obj = await request(caller, { cmd: 'echo', ns }, { a: 1 });
        expect(obj.data).toEqual({ a: 1 });
        expect((await request(caller, { cmd: 'echo', ns }, 7)).data).toBe(7);
        if (handlerKind === 'library') {
          // the handler got the caller's metadata, or fresh ids from a plain client
          if (clientKind === 'library') {
            expect(obj).toMatchObject({ correlationId: 'interop-1', app: { tenant: 'acme' } });
          } else {
            expect(obj.correlationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
            expect(obj.app).toEqual({});
          }
        } else {
          expect(Object.keys(obj)).toEqual(['data']);
        }
        events.length = 0;
        await emit(caller, { cmd: 'ev', ns }, { e: clientKind });
        await waitFor(() => events.length === 1, 5000, 'the event');
        expect(events[0]).toMatchObject({ kind: handlerKind, data: { e: clientKind } });
        if (handlerKind === 'library' && clientKind === 'library') expect(events[0]!.correlationId).toBe('interop-ev');
      });
    });
  });
});

/** What a gRPC handler that is not the library's saw of the call's metadata. */
function fromRawMetadata(request: EchoRequest, metadata: grpc.Metadata): Partial<EchoReply> {
  const first = (key: string) => String(metadata.get(key)[0] ?? '');
  return { text: request.text, correlationId: first('msg-correlation-id'), tenant: first('app-tenant'), messageId: first('msg-id') };
}

@Controller()
class GrpcLibraryHandler {
  @GrpcHandler(SERVICE, 'Say')
  say(request: EchoRequest): Partial<EchoReply> {
    const ctx = getMessageContext()!;
    return { text: request.text, correlationId: ctx.correlationId, tenant: ctx.app.tenant ?? '', messageId: ctx.message!.messageId };
  }
}

@Controller()
class GrpcPlainHandler {
  @GrpcMethod(SERVICE, 'Say')
  say(request: EchoRequest, metadata: grpc.Metadata): Partial<EchoReply> {
    return fromRawMetadata(request, metadata);
  }
}

type GrpcServerKind = 'library server, @GrpcHandler' | 'library server, plain @GrpcMethod' | 'Nest server, plain @GrpcMethod' | 'plain grpc-js server';
type GrpcClientKind = 'MessagingGrpcClient' | 'plain ClientGrpc' | 'plain grpc-js client';
const GRPC_SERVERS: GrpcServerKind[] = ['library server, @GrpcHandler', 'library server, plain @GrpcMethod', 'Nest server, plain @GrpcMethod', 'plain grpc-js server'];
const GRPC_CLIENTS: GrpcClientKind[] = ['MessagingGrpcClient', 'plain ClientGrpc', 'plain grpc-js client'];

async function startGrpcKind(kind: GrpcServerKind): Promise<{ url: string; close(): Promise<void> }> {
  switch (kind) {
    case 'library server, @GrpcHandler':
      return startGrpcServer([GrpcLibraryHandler]);
    case 'library server, plain @GrpcMethod':
      return startGrpcServer([GrpcPlainHandler]);
    case 'Nest server, plain @GrpcMethod':
      return startGrpcServer([GrpcPlainHandler], { library: false });
    case 'plain grpc-js server':
      return startRawServer({
        Say: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<Partial<EchoReply>>) => cb(null, fromRawMetadata(call.request, call.metadata)),
      });
  }
}

async function callGrpc(kind: GrpcClientKind, url: string, text: string): Promise<Partial<EchoReply>> {
  if (kind === 'MessagingGrpcClient') {
    const app = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...grpcOptions(url) }] })] }).compile();
    try {
      const client = app.get<MessagingGrpcClient>(getMessagingClientToken('svc'));
      return await runWithMessageContext({ correlationId: 'interop-grpc', app: { tenant: 'acme' } }, () =>
        lastValueFrom(client.getService<EchoService>(SERVICE).say({ text }, { timeout: 3000 })),
      );
    } finally {
      await app.close();
    }
  }
  if (kind === 'plain ClientGrpc') {
    const client = plainGrpcClient(url);
    try {
      return await lastValueFrom(client.getService<EchoService>(SERVICE).say({ text }));
    } finally {
      client.close();
    }
  }
  const raw = rawEchoClient(url);
  try {
    const { reply, error } = await rawUnary(raw, 'say', { text });
    if (error) throw error;
    return reply!;
  } finally {
    raw.close();
  }
}

describe.each(GRPC_SERVERS)(`interop over gRPC (Nest ${nestMajor}): %s`, (serverKind) => {
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await startGrpcKind(serverKind);
  });
  afterAll(() => server?.close());

  it.each(GRPC_CLIENTS)('%s', async (clientKind) => {
    const reply = await callGrpc(clientKind, server.url, `${clientKind} -> ${serverKind}`);
    expect(reply.text).toBe(`${clientKind} -> ${serverKind}`);
    if (clientKind === 'MessagingGrpcClient') {
      // the metadata rides as gRPC metadata: the library's context, or the raw keys a plain handler reads
      expect(reply).toMatchObject({ correlationId: 'interop-grpc', tenant: 'acme' });
      expect(reply.messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    } else if (serverKind === 'library server, @GrpcHandler') {
      expect(reply.correlationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(reply.tenant ?? '').toBe('');
    } else {
      expect(reply.correlationId ?? '').toBe('');
    }
  });
});

/**
 * Issue 11, item 7, in the same matrix: {MessagingClient, plain ClientProxy} x
 * {library server, Nest's own server}: an MqttRecordBuilder record over MQTT,
 * and RabbitMQ handlers that acknowledge their own deliveries (test/interop/cases.ts).
 */
describeWithBroker('mqtt', `interop: MqttRecordBuilder records (Nest ${nestMajor})`, () => {
  describe.each(['library', 'plain'] as const)('%s server, plain handler', (serverKind) => {
    const ns = uniqueName(`mqtt_record_${serverKind}`);
    const sink = new CaseSink();
    let server: INestMicroservice;
    let app: INestApplicationContext;
    let library: MessagingClient;
    let plain: ClientProxy;

    beforeAll(async () => {
      const ep = await endpoint('mqtt');
      server = await startServer(ep, [mqttRecordHandlers(ns, sink)], { library: serverKind === 'library' });
      app = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })] }).compile();
      await app.init();
      library = app.get<MessagingClient>(getMessagingClientToken('svc'));
      plain = plainClient(ep);
    });
    afterAll(async () => {
      await clearRetained(recordEventTopic(ns));
      await plain?.close();
      await app?.close();
      await server?.close();
    });

    it.each(['library', 'plain'] as const)('%s client: send and emit keep the data, QoS 1, retain and MQTT 5 properties', async (clientKind) => {
      const pattern = { cmd: 'record', ns };
      const reply =
        clientKind === 'library'
          ? await library.request<PacketSeen>(pattern, mqttRecord(), { timeout: 3000 })
          : await firstValueFrom(plain.send<PacketSeen>(pattern, mqttRecord()).pipe(timeout(3000)));
      expect(reply).toMatchObject({ data: RECORD_DATA, qos: 1, contentType: 'application/json' });
      expect(reply.userProperties).toMatchObject(RECORD_PROPERTIES.userProperties);

      sink.events.length = 0;
      const event = { cmd: 'record_ev', ns };
      if (clientKind === 'library') await lastValueFrom(library.emit(event, mqttRecord(true)));
      else await lastValueFrom(plain.emit(event, mqttRecord(true)), { defaultValue: undefined });
      await waitFor(() => sink.events.length === 1, 5000, 'the event');
      expect(sink.events[0]).toMatchObject({ data: RECORD_DATA, qos: 1, contentType: 'application/json' });
      expect(sink.events[0]!.userProperties).toMatchObject(RECORD_PROPERTIES.userProperties);
      // retain: the broker kept the event for later subscribers, as published
      const retained = await takeRetained(recordEventTopic(ns));
      expect(retained).toMatchObject({ retain: true, qos: 1, body: { data: RECORD_DATA }, contentType: 'application/json' });
      expect(retained.userProperties).toMatchObject(RECORD_PROPERTIES.userProperties);
    });
  });
});

describeWithBroker('rabbitmq', `interop: RabbitMQ handlers that acknowledge themselves (Nest ${nestMajor})`, () => {
  describe.each(['library', 'plain'] as const)('%s server, noAck: false, ctx.getChannelRef().ack()', (serverKind) => {
    const ns = uniqueName(`rmq_ack_${serverKind}`);
    const sink = new CaseSink();
    let server: INestMicroservice;
    let app: INestApplicationContext;
    let library: MessagingClient;
    let plain: ClientProxy;

    beforeAll(async () => {
      const ep = await endpoint('rmq');
      const nest = nestOptions(ep) as { transport: Transport.RMQ; options: Record<string, unknown> };
      server = await startServer(ep, [rmqManualAckHandlers(ns, sink)], {
        library: serverKind === 'library',
        nest: { ...nest, options: { ...nest.options, noAck: false } },
      });
      app = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...nestOptions(ep) }] })] }).compile();
      await app.init();
      library = app.get<MessagingClient>(getMessagingClientToken('svc'));
      plain = plainClient(ep);
    });
    afterAll(async () => {
      await plain?.close();
      await app?.close();
      await server?.close();
    });

    it.each(['library', 'plain'] as const)('%s client: every call answered, every message handled once, no channel error', async (clientKind) => {
      const calls = 10;
      const pattern = { cmd: 'ack', ns };
      const ask = (n: number) =>
        clientKind === 'library'
          ? library.request<{ n: number }>(pattern, { n, client: clientKind }, { timeout: 5000 })
          : firstValueFrom(plain.send<{ n: number }>(pattern, { n, client: clientKind }).pipe(timeout(5000)));
      const replies = await Promise.all(Array.from({ length: calls }, (_, n) => ask(n)));
      expect(replies.map((r) => r.n)).toEqual(Array.from({ length: calls }, (_, n) => n));
      for (let n = 0; n < calls; n++) {
        const event = { cmd: 'ack_ev', ns };
        if (clientKind === 'library') await lastValueFrom(library.emit(event, { n, client: clientKind }));
        else await lastValueFrom(plain.emit(event, { n, client: clientKind }), { defaultValue: undefined });
      }
      const mine = () => sink.runs.filter((r) => r.client === clientKind);
      await waitFor(() => mine().filter((r) => r.cmd === 'ack_ev').length >= calls, 5000, 'the events');
      // One more round trip on the same queue: a redelivery (after a channel close) would come before its answer.
      expect(await ask(calls)).toEqual({ n: calls });
      const runs = mine();
      expect(runs.filter((r) => r.cmd === 'ack').map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: calls + 1 }, (_, n) => n));
      expect(runs.filter((r) => r.cmd === 'ack_ev').map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: calls }, (_, n) => n));
      expect(runs.filter((r) => r.redelivered)).toEqual([]);
      expect(sink.channelErrors).toEqual([]);
    });
  });
});
