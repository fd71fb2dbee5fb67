import {
  CanActivate,
  Controller,
  Get,
  Injectable,
  NotFoundException,
  Param,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost, NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import {
  EventHandler,
  getMessageContext,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingClientSerializer,
  MessagingContext,
  MessagingErrorCode,
  MessagingHttpExceptionFilter,
  MessagingModule,
  MessagingRemoteError,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { CreateUser, GetUser, GetUserV2, UserCreated, UserCreatedV2, type UserDto } from './fixtures/users.contracts';
import { nestMajor, startTcpServer, waitFor } from './support/nest';
import { SUITE_TRANSPORTS, tcpTransport, timedBoot, type Address, type SuiteServer, type SuiteTransport } from './support/suite-transports';

interface Hop {
  name: string;
  meta: MessageMetadata;
}

/** Clients that the handlers use to call the server they run in, set once it listens. */
@Injectable()
class Links {
  self!: MessagingClient;
}

const hops: Hop[] = [];
const received: unknown[] = [];
let getUserCalls = 0;

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller()
class UsersController {
  constructor(
    private readonly links: Links,
    private readonly context: MessagingContext,
  ) {}

  @MessageHandler(GetUser)
  getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata): UserDto {
    getUserCalls++;
    received.push(dto);
    hops.push({ name: 'get_user', meta });
    if (dto.id === 404) throw new NotFoundException(`user ${dto.id} does not exist`);
    if (dto.id === 500) throw new Error('secret database password in this message');
    if (dto.id === 418) throw new RpcException({ custom: 'shape', kept: true });
    return { id: dto.id, name: `user-${dto.id}` };
  }

  @MessageHandler(CreateUser)
  createUser(@Payload() dto: { name: string }): UserDto {
    return { id: 1, name: dto.name };
  }

  @MessageHandler({ cmd: 'stream' })
  stream() {
    return of(1, 2, 3);
  }

  @MessageHandler({ cmd: 'guarded' })
  @UseGuards(DenyGuard)
  guarded() {
    return 'never';
  }

  // A -> B -> C, then C emits an event: four hops of one conversation.
  @MessageHandler({ cmd: 'hop_a' })
  async hopA(@MessageMeta() meta: MessageMetadata) {
    hops.push({ name: 'a', meta });
    return this.links.self.request({ cmd: 'hop_b' }, {});
  }

  @MessageHandler({ cmd: 'hop_b' })
  async hopB(@MessageMeta() meta: MessageMetadata) {
    hops.push({ name: 'b', meta });
    return this.links.self.request({ cmd: 'hop_c' }, {});
  }

  @MessageHandler({ cmd: 'hop_c' })
  async hopC(@MessageMeta() meta: MessageMetadata) {
    hops.push({ name: 'c', meta });
    await lastValueFrom(this.links.self.emit(UserCreated, { id: 9, source: 'hop_c' }));
    return { correlationId: this.context.correlationId, tenant: this.context.app.tenant };
  }

  @EventHandler(UserCreated)
  userCreated(@Payload() event: UserCreatedV2, @MessageMeta() meta: MessageMetadata) {
    received.push(event);
    hops.push({ name: 'event', meta });
  }
}

@Controller()
class PlainController {
  @MessagePattern({ cmd: 'get_user' })
  getUser(data: unknown) {
    received.push(data);
    return { id: 1, name: 'plain' };
  }
}

function selfClient(t: SuiteTransport, address: Address): MessagingClient {
  return MessagingClient.wrap(t.proxy(address, new MessagingClientSerializer()), 'self', { timeout: 3000 });
}

describe.each(SUITE_TRANSPORTS)(`handlers and contracts over %s (Nest ${nestMajor})`, (_, transport) => {
  const t = transport();
  let server: SuiteServer;
  let client: MessagingClient;

  beforeAll(async () => {
    server = await t.startServer([UsersController], { providers: [Links, MessagingContext] });
    server.app.get(Links).self = selfClient(t, server.address);
    client = selfClient(t, server.address);
  });
  afterAll(async () => {
    await client?.close();
    await server?.app.get(Links).self.close();
    await client?.proxy.close();
    await server?.app.get(Links).self.proxy.close();
    await server?.close();
    t.close();
  });
  beforeEach(() => {
    hops.length = 0;
    received.length = 0;
    getUserCalls = 0;
  });

  it('handles a current-version payload as an instance of its DTO', async () => {
    const user = await client.request(GetUser, { id: 7, locale: 'fr' });
    expect(user).toEqual({ id: 7, name: 'user-7' });
    expect(received[0]).toBeInstanceOf(GetUserV2);
    expect(hops[0]!.meta.payloadVersion).toBe(2);
  });

  it('upcasts a v1 payload and handles it as v2', async () => {
    const user = await client.request(GetUser, { userId: 8 }, { version: 1 });
    expect(user).toEqual({ id: 8, name: 'user-8' });
    expect(received[0]).toBeInstanceOf(GetUserV2);
    expect(received[0]).toEqual(Object.assign(new GetUserV2(), { id: 8 }));
    expect(hops[0]!.meta.payloadVersion).toBe(1);
  });

  it('rejects an invalid payload with INVALID_ARGUMENT and field paths, without calling the handler', async () => {
    const err = await client
      .request(CreateUser, { name: 'x', email: 'not-an-email', address: { zip: 123 as unknown as string, city: 'Paris' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    const remote = err as MessagingRemoteError;
    expect(remote.code).toBe(MessagingErrorCode.INVALID_ARGUMENT);
    expect(remote.retryable).toBe(false);
    const issues = (remote.details as { issues: { path: string; constraints: Record<string, string> }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['address.zip', 'email']);
    expect(issues.find((i) => i.path === 'email')!.constraints).toHaveProperty('isEmail');
    expect(remote.remote).toMatchObject({ code: 'INVALID_ARGUMENT', pattern: '{"cmd":"create_user"}', retryable: false });

    const unknown = await client.request(GetUser, { id: 1, admin: true } as never).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(JSON.stringify((unknown as MessagingRemoteError).details)).toContain('admin');
    expect(getUserCalls).toBe(0);
  });

  it('rejects a primitive payload and prototype-polluting keys', async () => {
    const primitive = await client.request({ cmd: 'get_user' }, 42).catch((e: unknown) => e);
    expect(primitive).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const polluting = await client
      .request({ cmd: 'get_user' }, JSON.parse('{"id": 1, "__proto__": {"polluted": true}}'))
      .catch((e: unknown) => e);
    expect(polluting).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(getUserCalls).toBe(0);
  });

  it('answers an unknown version with UNSUPPORTED_VERSION listing the supported ones', async () => {
    const err = await client.request({ cmd: 'get_user' }, { id: 1 }, { payloadVersion: 3 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.UNSUPPORTED_VERSION, retryable: false });
    expect((err as MessagingRemoteError).details).toEqual({ received: '3', supported: [1, 2] });
    expect(getUserCalls).toBe(0);
  });

  it.each(['0', '1.5', 'NaN', '1234567890123456', '-2'])(
    'refuses the malformed payload version %j with UNSUPPORTED_VERSION naming it and the supported ones',
    async (raw) => {
      const sender = t.proxy(server.address, {
        serialize: (packet: Record<string, unknown>) => ({ ...packet, metadata: { 'msg-id': 'v-1', 'msg-payload-version': raw } }),
      });
      try {
        const err = (await firstValueFrom(sender.send({ cmd: 'get_user' }, { id: 1 })).catch((e: unknown) => e)) as {
          code: string;
          details: { received: string; supported: number[] };
        };
        expect(err).toMatchObject({ code: MessagingErrorCode.UNSUPPORTED_VERSION, retryable: false });
        expect(err.details.received).toContain(raw);
        expect(err.details.supported).toEqual([1, 2]);
        expect(getUserCalls).toBe(0);
      } finally {
        await sender.close();
      }
    },
  );

  it('hides an unexpected error behind INTERNAL', async () => {
    const err = await runWithMessageContext({ correlationId: 'corr-internal' }, () =>
      client.request(GetUser, { id: 500 }).catch((e: unknown) => e),
    );
    expect(err).toMatchObject({ code: MessagingErrorCode.INTERNAL, retryable: false });
    const remote = (err as MessagingRemoteError).remote;
    expect(remote).toEqual({
      code: 'INTERNAL',
      message: 'Internal server error',
      retryable: false,
      pattern: '{"cmd":"get_user"}',
      correlationId: 'corr-internal',
    });
    expect(JSON.stringify(remote)).not.toContain('secret');
  });

  it('maps an HttpException to its code and lets an RpcException through unchanged', async () => {
    await expect(client.request(GetUser, { id: 404 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      remote: { code: 'NOT_FOUND', message: 'user 404 does not exist' },
    });
    await expect(client.request(GetUser, { id: 418 })).rejects.toMatchObject({
      code: 'UNKNOWN',
      remote: { custom: 'shape', kept: true },
    });
  });

  it('keeps Nest guards working: a refusal is PERMISSION_DENIED', async () => {
    await expect(client.request({ cmd: 'guarded' }, {})).rejects.toMatchObject({
      code: MessagingErrorCode.PERMISSION_DENIED,
      remote: { code: 'PERMISSION_DENIED', message: 'Forbidden resource' },
    });
  });

  it('keeps streaming an Observable result', async () => {
    expect(await firstValueFrom(client.send({ cmd: 'stream' }, {}).pipe(toArray()))).toEqual([1, 2, 3]);
  });

  it('propagates correlation and causation ids across A -> B -> C and the event C emits', async () => {
    const reply = await runWithMessageContext({ correlationId: 'conv-1', app: { tenant: 'acme' } }, () =>
      client.request<{ correlationId: string; tenant: string }>({ cmd: 'hop_a' }, {}),
    );
    expect(reply).toEqual({ correlationId: 'conv-1', tenant: 'acme' });
    await waitFor(() => hops.some((h) => h.name === 'event'), 5000, 'the event');
    const [a, b, c, event] = ['a', 'b', 'c', 'event'].map((n) => hops.find((h) => h.name === n)!.meta);
    for (const m of [a, b, c, event]) {
      expect(m!.correlationId).toBe('conv-1');
      expect(m!.app).toEqual({ tenant: 'acme' });
    }
    expect(a!.causationId).toBeUndefined();
    expect(b!.causationId).toBe(a!.messageId);
    expect(c!.causationId).toBe(b!.messageId);
    expect(event!.causationId).toBe(c!.messageId);
    expect(new Set([a, b, c, event].map((m) => m!.messageId)).size).toBe(4);
    expect(received).toContainEqual(Object.assign(new UserCreatedV2(), { id: 9, source: 'hop_c' }));
  });

  it('upcasts an old event version', async () => {
    await lastValueFrom(client.emit(UserCreated, { id: 3 }, { version: 1 }));
    await waitFor(() => received.length === 1, 5000, 'the event');
    expect(received[0]).toEqual(Object.assign(new UserCreatedV2(), { id: 3, source: 'unknown' }));
  });

  it('serves a plain Nest client: the assumed version applies and a correlation id is made', async () => {
    const plain = t.proxy(server.address);
    try {
      expect(await firstValueFrom(plain.send({ cmd: 'get_user' }, { id: 5 }))).toEqual({ id: 5, name: 'user-5' });
      expect(hops[0]!.meta.payloadVersion).toBeUndefined();
      expect(hops[0]!.meta.correlationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const err = await firstValueFrom(plain.send({ cmd: 'get_user' }, { userId: 5 })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false, pattern: '{"cmd":"get_user"}' });
      expect(typeof (err as { correlationId: unknown }).correlationId).toBe('string');
    } finally {
      await plain.close();
    }
  });

  it('validates outgoing payloads and responses when the client asks', async () => {
    const local = await client
      .request(GetUser, { id: -1 }, { validatePayloads: true })
      .catch((e: unknown) => e);
    expect(local).toMatchObject({ name: 'ContractViolationError', code: 'INVALID_ARGUMENT' });
    expect(getUserCalls).toBe(0);
    const user = await client.request(GetUser, { id: 2 }, { validateResponses: true });
    expect(user).toEqual({ id: 2, name: 'user-2' });
    expect(user.constructor.name).toBe('UserDto');
  });
});

describe(`MessagingClient with a contract against a plain handler (Nest ${nestMajor})`, () => {
  it('sends the bare payload', async () => {
    const server = await startTcpServer([PlainController], { library: false });
    const client = selfClient(tcpTransport(), server.port);
    try {
      received.length = 0;
      expect(await client.request(GetUser, { id: 3 })).toEqual({ id: 1, name: 'plain' });
      expect(received).toEqual([{ id: 3 }]);
    } finally {
      await client.close();
      await client.proxy.close();
      await server.close();
    }
  });
});

@Controller('users')
class HttpUsersController {
  constructor(private readonly links: Links) {}

  @Get(':id')
  get(@Param('id') id: string) {
    return this.links.self.request(GetUser, { id: Number(id) });
  }
}

describe.each(
  SUITE_TRANSPORTS.flatMap(([name, transport]) => [false, true].map((inherit) => [name, inherit, transport] as const)),
)(`handlers in a hybrid app over %s, inheritAppConfig %s (Nest ${nestMajor})`, (_, inheritAppConfig, transport) => {
  const t = transport();
  let app: INestApplication;
  let address: Address;
  let client: MessagingClient;
  let globalInterceptorRuns = 0;

  beforeAll(async () => {
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: [MessagingModule.forRoot({ clients: [] })],
      controllers: [UsersController, HttpUsersController],
      providers: [
        Links,
        {
          provide: APP_INTERCEPTOR,
          useValue: {
            intercept: (_: unknown, next: { handle: () => unknown }) => {
              globalInterceptorRuns++;
              return next.handle();
            },
          },
        },
      ],
    })
    class HybridModule {}
    let microservice = t.microservice();
    app = await timedBoot(
      'hybrid app',
      async () => {
        microservice = t.microservice();
        const created = await NestFactory.create(HybridModule, { logger: false });
        created.connectMicroservice(microservice.options, { inheritAppConfig });
        created.useGlobalFilters(new MessagingHttpExceptionFilter(created.get(HttpAdapterHost)));
        await created.startAllMicroservices();
        await created.listen(0, '127.0.0.1');
        return created;
      },
      (created) => created.close(),
    );
    address = microservice.address();
    app.get(Links).self = selfClient(t, address);
    client = selfClient(t, address);
  });
  afterAll(async () => {
    await client.close();
    await client.proxy.close();
    await app.get(Links).self.close();
    await app.get(Links).self.proxy.close();
    await app.close();
    t.close();
  });

  it('validates, upcasts and maps errors whether or not global enhancers run', async () => {
    globalInterceptorRuns = 0;
    expect(await client.request(GetUser, { userId: 4 }, { version: 1 })).toEqual({ id: 4, name: 'user-4' });
    await expect(client.request(CreateUser, { name: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.request({ cmd: 'get_user' }, { id: 1 }, { payloadVersion: 9 })).rejects.toMatchObject({
      code: 'UNSUPPORTED_VERSION',
    });
    expect(globalInterceptorRuns > 0).toBe(inheritAppConfig);
  });

  it('maps errors of a call made by an HTTP route to HTTP statuses', async () => {
    const url = `${await app.getUrl()}/users`.replace('[::1]', '127.0.0.1');
    const ok = await fetch(`${url}/6`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: 6, name: 'user-6' });
    const notFound = await fetch(`${url}/404`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', message: 'user 404 does not exist' });
    const invalid = await fetch(`${url}/0`);
    expect(invalid.status).toBe(400);
    const internal = await fetch(`${url}/500`);
    expect(internal.status).toBe(500);
    expect(JSON.stringify(await internal.json())).not.toContain('secret');
  });

  it('runs the handler with the context when the global config is inherited or not', async () => {
    const reply = await runWithMessageContext({ correlationId: 'hybrid-1' }, () =>
      client.request<{ correlationId: string }>({ cmd: 'hop_c' }, {}),
    );
    expect(reply.correlationId).toBe('hybrid-1');
    expect(getMessageContext()).toBeUndefined();
  });
});
