import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Payload, Transport } from '@nestjs/microservices';
import {
  getMessageContext,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingClientSerializer,
  MessagingConfigurationError,
  MessagingHttpModule,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { nestMajor, startTcpServer, type RunningServer } from './support/nest';

/** Application keys are set by callers and travel down every call chain: a server and an HTTP edge say which they accept. */

@Injectable()
class Downstream {
  client!: MessagingClient;
}

@Controller()
class KeysController {
  constructor(private readonly downstream: Downstream) {}

  @MessageHandler({ cmd: 'keys' })
  async keys(@MessageMeta() meta: MessageMetadata) {
    // What the handler sees, and what a call it makes carries further.
    const forwarded = await this.downstream.client.request<Record<string, string>>({ cmd: 'echo_keys' }, {});
    return { seen: meta.app, context: getMessageContext()?.app, forwarded };
  }

  @MessageHandler({ cmd: 'echo_keys' })
  echoKeys(@Payload() _: unknown, @MessageMeta() meta: MessageMetadata) {
    return meta.app;
  }
}

function clientOf(port: number, name: string): MessagingClient {
  return MessagingClient.wrap(
    ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port, serializer: new MessagingClientSerializer() } }),
    name,
    { timeout: 3000 },
  );
}

describe(`application keys across the trust boundary (Nest ${nestMajor})`, () => {
  let guarded: RunningServer;
  let open: RunningServer;
  const clients: MessagingClient[] = [];

  beforeAll(async () => {
    guarded = await startTcpServer([KeysController], { providers: [Downstream], server: { appKeys: ['tenant'] } });
    open = await startTcpServer([KeysController], { providers: [Downstream] });
    for (const server of [guarded, open]) {
      const own = clientOf(server.port, 'self');
      clients.push(own);
      server.app.get(Downstream).client = own;
    }
  });
  afterAll(async () => {
    for (const c of clients) {
      await c.close();
      await c.proxy.close();
    }
    await guarded?.close();
    await open?.close();
  });

  it('a server with appKeys keeps only the listed keys: its handlers and its downstream calls see no others', async () => {
    const caller = clientOf(guarded.port, 'caller');
    clients.push(caller);
    const result = await runWithMessageContext({ app: { tenant: 'acme', role: 'admin' } }, () =>
      caller.request<{ seen: Record<string, string>; context: Record<string, string>; forwarded: Record<string, string> }>({ cmd: 'keys' }, {}),
    );
    expect(result.seen).toEqual({ tenant: 'acme' });
    expect(result.context).toEqual({ tenant: 'acme' });
    expect(result.forwarded).toEqual({ tenant: 'acme' });
  });

  it('a server without appKeys takes every key the metadata rules allow (the documented default)', async () => {
    const caller = clientOf(open.port, 'caller-open');
    clients.push(caller);
    const result = await runWithMessageContext({ app: { tenant: 'acme', role: 'admin' } }, () =>
      caller.request<{ seen: Record<string, string> }>({ cmd: 'keys' }, {}),
    );
    expect(result.seen).toEqual({ tenant: 'acme', role: 'admin' });
  });

  it('refuses appKeys that are not a list of names', () => {
    return expect(startTcpServer([KeysController], { providers: [Downstream], server: { appKeys: 'tenant' as never } })).rejects.toThrow(
      /appKeys must be an array/,
    );
  });
});

@Controller()
class EdgeController {
  @Get('app')
  app() {
    return getMessageContext()?.app ?? null;
  }
}

describe(`the HTTP edge takes application keys only from the headers it lists (Nest ${nestMajor})`, () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    @Module({ imports: [MessagingHttpModule.forRoot({ appHeaders: { 'X-Tenant-Id': 'tenant' } })], controllers: [EdgeController] })
    class EdgeModule {}
    app = await NestFactory.create(EdgeModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app?.close());

  it('maps a listed header to its application key, and reads no other', async () => {
    const res = await fetch(`${base}/app`, { headers: { 'x-tenant-id': 'acme', 'app-role': 'admin', 'x-role': 'admin' } });
    expect(await res.json()).toEqual({ tenant: 'acme' });
  });

  it('drops a value that breaks the metadata rules, and sets nothing without the header', async () => {
    expect(await (await fetch(`${base}/app`, { headers: { 'x-tenant-id': 'a'.repeat(1025) } })).json()).toEqual({});
    expect(await (await fetch(`${base}/app`)).json()).toEqual({});
  });

  it('refuses an application key name that breaks the rules, at configuration', () => {
    expect(() => MessagingHttpModule.forRoot({ appHeaders: { 'x-tenant': 'Tenant!' } })).toThrow(MessagingConfigurationError);
  });
});
