import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { ClientProxyFactory, ClientsModule, MessagePattern, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  getMessageContext,
  getMessagingClientToken,
  InjectMessagingClient,
  MessagingClient,
  MessagingClients,
  MessagingClientSerializer,
  MessagingConfigurationError,
  MessagingConnectionError,
  MessagingModule,
  runWithMessageContext,
  type MessagingModuleOptions,
  type MessagingOptionsFactory,
} from '../src';
import { nestMajor, startTcpServer, type RunningServer } from './support/nest';

@Controller()
class EchoController {
  @MessagePattern({ cmd: 'echo' })
  echo(data: unknown) {
    return { data, correlationId: getMessageContext()?.correlationId };
  }

  @MessagePattern({ cmd: 'meta' })
  meta() {
    return { timeoutMs: getMessageContext()?.message?.timeoutMs };
  }
}

const tcp = (port: number) => ({ transport: Transport.TCP as const, options: { host: '127.0.0.1', port } });

describe(`MessagingModule (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTcpServer([EchoController]);
  });
  afterAll(() => server.close());

  describe('option checks', () => {
    it('lists every problem with what to do', () => {
      const build = () =>
        MessagingModule.forRoot({
          defaults: { timeout: -5 },
          connect: 'soon' as never,
          clients: [
            { name: 'users', ...tcp(1), policy: { retry: { maxAttempts: 0 } } },
            { name: 'users', ...tcp(2) },
            { name: '', ...tcp(3) },
            { name: 'redis', transport: Transport.KAFKA, options: {} } as never,
            { name: 'nothing' } as never,
          ],
        });
      expect(build).toThrow(MessagingConfigurationError);
      let message = '';
      try {
        build();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('defaults has timeout -5: give a positive number of milliseconds');
      expect(message).toContain("options has connect soon: give 'eager' or 'lazy'");
      expect(message).toContain("client 'users' has retry.maxAttempts 0: give a whole number >= 1");
      expect(message).toContain("client 'users' is defined twice");
      expect(message).toContain('clients[2] has no name');
      expect(message).toContain("client 'redis' uses transport");
      expect(message).toContain("client 'nothing' must have exactly one of transport");
    });

    it('rejects options that are not an object with clients', () => {
      expect(() => MessagingModule.forRoot(undefined as never)).toThrow(/options.clients must be an array/);
    });
  });

  it('injects named clients and the registry', async () => {
    @Injectable()
    class Consumer {
      constructor(
        @InjectMessagingClient('a') readonly a: MessagingClient,
        readonly registry: MessagingClients,
      ) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ clients: [{ name: 'a', ...tcp(server.port) }, { name: 'b', ...tcp(server.port) }] })],
      providers: [Consumer],
    }).compile();
    await moduleRef.init();
    try {
      const consumer = moduleRef.get(Consumer);
      expect(consumer.a).toBeInstanceOf(MessagingClient);
      expect(consumer.a.name).toBe('a');
      expect(consumer.registry.get('a')).toBe(consumer.a);
      expect(consumer.registry.get('b').name).toBe('b');
      expect(() => consumer.registry.get('zzz')).toThrow("no MessagingClient named 'zzz': the module defines 'a', 'b'");
      expect(await consumer.a.request({ cmd: 'echo' }, { n: 1 })).toMatchObject({ data: { n: 1 } });
    } finally {
      await moduleRef.close();
    }
  });

  it('builds from forRootAsync with useFactory and inject', async () => {
    const PORT = Symbol('port');
    @Module({ providers: [{ provide: PORT, useValue: server.port }], exports: [PORT] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRootAsync({
          imports: [ConfigModule],
          inject: [PORT],
          clientNames: ['users'],
          useFactory: (port: number) => ({ defaults: { timeout: 1000 }, clients: [{ name: 'users', ...tcp(port) }] }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const client = moduleRef.get<MessagingClient>(getMessagingClientToken('users'));
      expect(await client.request({ cmd: 'echo' }, 'x')).toMatchObject({ data: 'x' });
    } finally {
      await moduleRef.close();
    }
  });

  it('builds from forRootAsync with a factory per client, as ClientsModule.registerAsync does, beside module-level options', async () => {
    const PORT = Symbol('port');
    const TIMEOUT = Symbol('timeout');
    @Module({ providers: [{ provide: PORT, useValue: server.port }, { provide: TIMEOUT, useValue: 1234 }], exports: [PORT, TIMEOUT] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRootAsync({
          imports: [ConfigModule],
          clients: [
            { name: 'users', inject: [PORT], useFactory: (port: number) => tcp(port) },
            { name: 'orders', inject: [PORT, TIMEOUT], useFactory: async (port: number, timeout: number) => ({ ...tcp(port), policy: { timeout } }) },
          ],
          inject: [TIMEOUT],
          useFactory: (timeout: number) => ({ defaults: { timeout: timeout * 2 } }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const users = moduleRef.get<MessagingClient>(getMessagingClientToken('users'));
      const orders = moduleRef.get<MessagingClient>(getMessagingClientToken('orders'));
      expect(users.name).toBe('users');
      expect(orders.name).toBe('orders');
      expect(await users.request({ cmd: 'echo' }, 'u')).toMatchObject({ data: 'u' });
      expect(await orders.request({ cmd: 'echo' }, 'o')).toMatchObject({ data: 'o' });
      // the module-level factory's defaults apply to every client; a client's own policy wins
      const budgets: Array<number | undefined> = [];
      await users.request({ cmd: 'meta' }, {}).then((m) => budgets.push((m as { timeoutMs?: number }).timeoutMs));
      await orders.request({ cmd: 'meta' }, {}).then((m) => budgets.push((m as { timeoutMs?: number }).timeoutMs));
      expect(budgets[0]).toBeGreaterThan(1234);
      expect(budgets[0]).toBeLessThanOrEqual(2468);
      expect(budgets[1]).toBeLessThanOrEqual(1234);
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses forRootAsync without clients or a module-level factory', () => {
    expect(() => MessagingModule.forRootAsync({})).toThrow('MessagingModule.forRootAsync needs clients');
  });

  it('builds from forRootAsync with useClass', async () => {
    const port = server.port;
    @Injectable()
    class Options implements MessagingOptionsFactory {
      createMessagingOptions(): MessagingModuleOptions {
        return { clients: [{ name: 'users', ...tcp(port) }] };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRootAsync({ clientNames: ['users'], useClass: Options })],
    }).compile();
    await moduleRef.init();
    try {
      const client = moduleRef.get<MessagingClient>(getMessagingClientToken('users'));
      expect(await client.request({ cmd: 'echo' }, 1)).toMatchObject({ data: 1 });
    } finally {
      await moduleRef.close();
    }
  });

  it('fails the bootstrap when forRootAsync options lack a listed client', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          MessagingModule.forRootAsync({
            clientNames: ['users', 'orders'],
            useFactory: () => ({ clients: [{ name: 'users', ...tcp(1) }] }),
          }),
        ],
      }).compile(),
    ).rejects.toThrow("clientNames lists 'orders', but the options define no client of that name");
  });

  it('connects eager clients at bootstrap, and fails the bootstrap when one cannot connect', async () => {
    const ok = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ connect: 'eager', clients: [{ name: 'up', ...tcp(server.port) }] })],
    }).compile();
    await ok.init();
    await ok.close();

    const down = await startTcpServer([EchoController]);
    await down.close();
    const failing = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ clients: [{ name: 'down', ...tcp(down.port), connect: 'eager' }] })],
    }).compile();
    const err = await failing.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingConnectionError);
    expect((err as Error).message).toMatch(/client 'down' could not connect at bootstrap .*ECONNREFUSED.*connect: 'lazy'/);
    // Nest 11's close() awaits the failed initialisation again and rethrows its error.
    await failing.close().catch((e: unknown) => expect(e).toBe(err));
  });

  it('wraps a ClientsModule proxy (useExisting): metadata flows with MessagingClientSerializer, bare payloads without it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          imports: [
            ClientsModule.register([
              { name: 'WITH', ...tcp(server.port), options: { ...tcp(server.port).options, serializer: new MessagingClientSerializer() } },
              { name: 'WITHOUT', ...tcp(server.port) },
            ]),
          ],
          clients: [
            { name: 'with', useExisting: 'WITH' },
            { name: 'without', useExisting: 'WITHOUT' },
          ],
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const withSerializer = moduleRef.get<MessagingClient>(getMessagingClientToken('with'));
      const without = moduleRef.get<MessagingClient>(getMessagingClientToken('without'));
      expect(withSerializer.proxy).toBe(moduleRef.get('WITH', { strict: false }));
      await runWithMessageContext({ correlationId: 'wrapped-1' }, async () => {
        expect(await withSerializer.request({ cmd: 'echo' }, { a: 1 })).toEqual({ data: { a: 1 }, correlationId: 'wrapped-1' });
        const bare = await without.request<{ data: unknown; correlationId: string }>({ cmd: 'echo' }, { a: 2 });
        expect(bare.data).toEqual({ a: 2 });
        expect(bare.correlationId).not.toBe('wrapped-1');
      });
    } finally {
      await moduleRef.close();
    }
  });

  it('keeps two applications in one process apart', async () => {
    const other = await startTcpServer([EchoController]);
    const make = (port: number) =>
      Test.createTestingModule({ imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', ...tcp(port) }] })] }).compile();
    const [one, two] = await Promise.all([make(server.port), make(other.port)]);
    await Promise.all([one.init(), two.init()]);
    try {
      const a = one.get<MessagingClient>(getMessagingClientToken('svc'));
      const b = two.get<MessagingClient>(getMessagingClientToken('svc'));
      expect(a).not.toBe(b);
      expect(a.proxy).not.toBe(b.proxy);
      await one.close();
      expect(await b.request({ cmd: 'echo' }, 'still up')).toMatchObject({ data: 'still up' });
    } finally {
      await two.close();
      await other.close();
    }
  });

  it('registers globally with isGlobal', async () => {
    @Injectable()
    class Deep {
      constructor(@Inject(getMessagingClientToken('g')) readonly client: MessagingClient) {}
    }
    @Module({ providers: [Deep], exports: [Deep] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ isGlobal: true, clients: [{ name: 'g', ...tcp(server.port) }] }), FeatureModule],
    }).compile();
    await moduleRef.init();
    try {
      expect(moduleRef.get(Deep).client.name).toBe('g');
    } finally {
      await moduleRef.close();
    }
  });

  it('wraps a proxy instance with MessagingClient.wrap and leaves it to its owner on close', async () => {
    const proxy: ClientProxy = ClientProxyFactory.create({
      ...tcp(server.port),
      options: { ...tcp(server.port).options, serializer: new MessagingClientSerializer() },
    });
    const client = MessagingClient.wrap(proxy, 'wrapped', { timeout: 1000 });
    try {
      expect(await client.request({ cmd: 'echo' }, 'w')).toMatchObject({ data: 'w' });
      await client.close();
      await expect(client.request({ cmd: 'echo' }, 'w')).rejects.toThrow(/was closed/);
    } finally {
      await proxy.close();
    }
  });
});
