import type { AddressInfo } from 'node:net';
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import {
  EventHandler,
  getMessageContext,
  getMessagingClientToken,
  InjectMessagingClient,
  MessageHandler,
  MessagingClient,
  MessagingClients,
  MessagingClientSerializer,
  MessagingHttpModule,
  MessagingModule,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { GrpcHandler, MessagingGrpcClient } from '../src/grpc';
import { grpcOptions, SERVICE, startGrpcServer, type EchoReply, type EchoService, type RunningGrpc } from './support/grpc';
import { nestMajor, startTcpServer, waitFor, type RunningServer } from './support/nest';

/**
 * One conversation across every kind of hop: an HTTP request -> a gRPC call
 * -> a TCP request -> an event, and the replies back; the correlation id of
 * the HTTP request everywhere, each message caused by the one before.
 */
type Hop = Pick<MessageMetadata, 'messageId' | 'correlationId' | 'causationId'>;
const hops: Record<string, Hop> = {};

function hop(name: string): Hop {
  const meta = getMessageContext()!.message!;
  hops[name] = { messageId: meta.messageId, correlationId: meta.correlationId, causationId: meta.causationId };
  return hops[name];
}

@Injectable()
class Links {
  self!: MessagingClient;
}

@Controller()
class TcpHandlers {
  constructor(private readonly links: Links) {}

  @MessageHandler({ cmd: 'tcp-step' })
  async step(): Promise<Hop> {
    const me = hop('tcp');
    await lastValueFrom(this.links.self.emit({ event: 'chain-done' }, { from: 'tcp' }));
    return me;
  }

  @EventHandler({ event: 'chain-done' })
  done(): void {
    hop('event');
  }
}

@Controller()
class GrpcHandlers {
  constructor(@InjectMessagingClient('tcp') private readonly tcp: MessagingClient) {}

  @GrpcHandler(SERVICE, 'Say')
  async say(): Promise<Partial<EchoReply>> {
    const me = hop('grpc');
    const tcp = await this.tcp.request<Hop>({ cmd: 'tcp-step' }, {});
    return { messageId: me.messageId, correlationId: me.correlationId, causationId: me.causationId ?? '', downstream: JSON.stringify(tcp) };
  }
}

@Controller('chain')
class HttpController {
  constructor(@InjectMessagingClient('grpc') private readonly grpc: MessagingGrpcClient) {}

  @Get()
  async chain(): Promise<{ http: string | undefined; grpc: Partial<EchoReply>; tcp: Hop }> {
    const reply = await lastValueFrom(this.grpc.getService<EchoService>(SERVICE).say({ text: 'chain' }));
    return { http: getMessageContext()?.correlationId, grpc: reply, tcp: JSON.parse(reply.downstream) as Hop };
  }
}

describe(`correlation and causation across HTTP -> gRPC -> TCP -> event (Nest ${nestMajor})`, () => {
  let tcp: RunningServer;
  let grpcServer: RunningGrpc;
  let http: INestApplication;
  const links = new Links();

  beforeAll(async () => {
    tcp = await startTcpServer([TcpHandlers], { providers: [{ provide: Links, useValue: links }] });
    links.self = MessagingClient.wrap(
      ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: tcp.port, serializer: new MessagingClientSerializer() } }),
      'self',
    );
    grpcServer = await startGrpcServer([GrpcHandlers], {
      imports: [MessagingModule.forRoot({ clients: [{ name: 'tcp', transport: Transport.TCP, options: { host: '127.0.0.1', port: tcp.port } }] })],
    });
    @Module({
      imports: [
        MessagingHttpModule.forRoot(),
        MessagingModule.forRoot({ clients: [{ name: 'grpc', ...grpcOptions(grpcServer.url), connect: 'eager' }], defaults: { timeout: 3000 } }),
      ],
      controllers: [HttpController],
    })
    class HttpModule {}
    http = await NestFactory.create(HttpModule, { logger: false });
    await http.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await http?.close();
    await grpcServer?.close();
    await links.self?.close();
    await links.self?.proxy.close();
    await tcp?.close();
  });

  it('carries one correlation id and a causation chain there and back', async () => {
    const { port } = http.getHttpServer().address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/chain`, { headers: { 'x-correlation-id': 'http-corr-42' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('http-corr-42');
    const body = (await res.json()) as { http: string; grpc: EchoReply; tcp: Hop };
    await waitFor(() => hops.event !== undefined, 5000, 'the event');

    expect(body.http).toBe('http-corr-42');
    for (const name of ['grpc', 'tcp', 'event']) expect({ name, correlationId: hops[name]!.correlationId }).toEqual({ name, correlationId: 'http-corr-42' });
    // the HTTP request is not a message: the gRPC call has no cause; each next message is caused by the one before
    expect(hops.grpc!.causationId).toBeUndefined();
    expect(hops.tcp!.causationId).toBe(hops.grpc!.messageId);
    expect(hops.event!.causationId).toBe(hops.tcp!.messageId);
    // and back: each reply carries what its handler saw
    expect(body.grpc).toMatchObject({ messageId: hops.grpc!.messageId, correlationId: 'http-corr-42' });
    expect(body.tcp).toEqual(hops.tcp);
    expect(new Set(Object.values(hops).map((h) => h.messageId)).size).toBe(3);
  });

  it('the module gives the gRPC client by its name, typed, and refuses it where a MessagingClient is asked for', () => {
    const clients = http.get(MessagingClients);
    expect(clients.getGrpc('grpc')).toBeInstanceOf(MessagingGrpcClient);
    expect(() => clients.get('grpc')).toThrow(/is a gRPC client: get it with getGrpc/);
  });

  it("wraps a ClientGrpc of ClientsModule (useExisting), and builds gRPC clients in forRootAsync", async () => {
    const ref = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          imports: [ClientsModule.register([{ name: 'ECHO_GRPC', ...grpcOptions(grpcServer.url) }])],
          clients: [{ name: 'existing', useExisting: 'ECHO_GRPC' }],
        }),
        MessagingModule.forRootAsync({ clientNames: ['async'], useFactory: () => ({ clients: [{ name: 'async', ...grpcOptions(grpcServer.url) }] }) }),
      ],
    }).compile();
    await ref.init();
    try {
      for (const name of ['existing', 'async']) {
        const client = ref.get<MessagingGrpcClient>(getMessagingClientToken(name));
        expect(client).toBeInstanceOf(MessagingGrpcClient);
        const reply = await runWithMessageContext({ correlationId: `module-${name}` }, () =>
          lastValueFrom(client.getService<EchoService>(SERVICE).say({ text: name }, { timeout: 3000 })),
        );
        expect(reply.correlationId).toBe(`module-${name}`);
      }
    } finally {
      await ref.close();
    }
  });
});
