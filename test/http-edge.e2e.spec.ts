import { randomUUID } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Query,
  UseFilters,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Payload, Transport } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ClsModule, ClsService, ClsServiceManager } from 'nestjs-cls';
import { EventHandler, getMessageContext, InjectMessagingClient, MessageHandler, MessageMeta, MessagingClient, MessagingClientSerializer, MessagingConfigurationError, MessagingHttpExceptionFilter, MessagingHttpModule, MessagingModule, RequestTimeout, timeLeft, type CorrelationIdOptions, type MessageMetadata } from '../src';
import { nestMajor, startTcpServer, waitFor, type RunningServer } from './support/nest';
import { isValidId } from '../src/extend';

@Injectable()
class Links {
  self!: MessagingClient;
}

/** Correlation ids that the event handler saw, by the token the HTTP request chose. */
const eventSaw = new Map<string, string>();
/** Releases the slow handlers still waiting, so that no timer outlives the suite. */
const slowPending = new Set<() => void>();

interface Hop {
  correlationId: string;
  causationId?: string;
}
interface ChainReply {
  a: Hop;
  b: Hop;
}

@Controller()
class Services {
  constructor(private readonly links: Links) {}

  @MessageHandler({ cmd: 'a' })
  async a(@Payload() data: { token: string }, @MessageMeta() meta: MessageMetadata): Promise<ChainReply> {
    const b = await this.links.self.request<Hop>({ cmd: 'b' }, data);
    return { a: { correlationId: meta.correlationId, causationId: meta.causationId }, b };
  }

  @MessageHandler({ cmd: 'b' })
  async b(@Payload() data: { token: string }, @MessageMeta() meta: MessageMetadata): Promise<Hop> {
    await this.links.self.emit({ event: 'b_done' }, data);
    return { correlationId: meta.correlationId, causationId: meta.causationId };
  }

  @EventHandler({ event: 'b_done' })
  done(@Payload() data: { token: string }, @MessageMeta() meta: MessageMetadata): void {
    eventSaw.set(data.token, meta.correlationId);
  }

  @MessageHandler({ cmd: 'slow' })
  async slow(@Payload() data: { ms: number }): Promise<string> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(release, data.ms);
      function release() {
        clearTimeout(timer);
        slowPending.delete(release);
        resolve();
      }
      slowPending.add(release);
    });
    return 'slow done';
  }
}

@Controller()
@UseFilters(MessagingHttpExceptionFilter)
class EdgeController {
  constructor(@InjectMessagingClient('svc') private readonly client: MessagingClient) {}

  @Get('chain')
  async chain(@Query('token') token: string): Promise<ChainReply & { http?: string }> {
    const http = getMessageContext()?.correlationId;
    return { http, ...(await this.client.request<ChainReply>({ cmd: 'a' }, { token })) };
  }

  @Get('budget')
  budget(): { left: number | null } {
    return { left: timeLeft() ?? null };
  }

  @Get('budget-300')
  @RequestTimeout(300)
  budget300(): { left: number | null; correlationId?: string } {
    return { left: timeLeft() ?? null, correlationId: getMessageContext()?.correlationId };
  }

  @Get('slow')
  slow(): Promise<string> {
    return this.client.request({ cmd: 'slow' }, { ms: 3000 });
  }

  @Get('slow-300')
  @RequestTimeout(300)
  slow300(): Promise<string> {
    return this.client.request({ cmd: 'slow' }, { ms: 3000 });
  }
}

/** A logger that keeps every line, to prove what is (not) logged. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record = (...args: unknown[]) => {
    this.lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  log = this.record;
  error = this.record;
  warn = this.record;
  debug = this.record;
  verbose = this.record;
  fatal = this.record;
}

type Platform = 'express' | 'fastify';

function clients(port: number) {
  return MessagingModule.forRoot({
    clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port } }],
    defaults: { timeout: 5000 },
  });
}

async function startHttp(platform: Platform, module: DynamicModule, logger: LoggerService) {
  const app: INestApplication =
    platform === 'express'
      ? await NestFactory.create(module, { logger })
      : await NestFactory.create(module, new FastifyAdapter(), { logger });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, port, base: `http://127.0.0.1:${port}` };
}

async function startServices(): Promise<RunningServer> {
  const server = await startTcpServer([Services], { providers: [Links] });
  server.app.get(Links).self = MessagingClient.wrap(
    ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: server.port, serializer: new MessagingClientSerializer() },
    }),
    'self',
    { timeout: 5000 },
  );
  return server;
}

async function stopServices(server: RunningServer | undefined): Promise<void> {
  if (!server) return;
  for (const release of [...slowPending]) release();
  const self = server.app.get(Links).self;
  await self.close();
  await self.proxy.close();
  await server.close();
}

/** Sends raw bytes as one HTTP/1.1 request and returns the raw response head. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n\r\n')) socket.end();
    });
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write(Buffer.from(head, 'latin1'));
  });
}

function headerOf(rawResponse: string, name: string): string | undefined {
  const line = rawResponse.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

/** What the library makes: 16 random bytes in base64url. */
const LIBRARY_ID = /^[A-Za-z0-9_-]{22}$/;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe.each<Platform>(['express', 'fastify'])(`HTTP edge on %s (Nest ${nestMajor})`, (platform) => {
  let server: RunningServer;
  let app: INestApplication;
  let base: string;
  let httpPort: number;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    server = await startServices();
    @Module({
      imports: [
        MessagingHttpModule.forRoot({ requestTimeout: { max: 5000 }, correlationIdFromTraceparent: true }),
        clients(server.port),
      ],
      controllers: [EdgeController],
    })
    class EdgeModule {}
    ({ app, base, port: httpPort } = await startHttp(platform, { module: EdgeModule }, logger));
  });

  afterAll(async () => {
    await app?.close();
    await stopServices(server);
  });

  /** Calls HTTP -> A -> B -> event and checks that all of them saw one id, which it returns. */
  async function chainWith(headers: Record<string, string>): Promise<string> {
    const token = randomUUID();
    const res = await fetch(`${base}/chain?token=${token}`, { headers });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-correlation-id')!;
    const body = (await res.json()) as ChainReply & { http: string };
    expect(body.http).toBe(id);
    expect(body.a.correlationId).toBe(id);
    expect(body.b.correlationId).toBe(id); // two hops away
    await waitFor(() => eventSaw.has(token), 5000, 'the event');
    expect(eventSaw.get(token)).toBe(id); // the handler of the event B emitted
    return id;
  }

  describe('correlation id', () => {
    it('keeps an incoming x-correlation-id through HTTP -> A -> B -> event', async () => {
      expect(await chainWith({ 'x-correlation-id': 'order-42:checkout' })).toBe('order-42:checkout');
    });

    it('makes one when none is sent, and it flows the same way', async () => {
      expect(await chainWith({})).toMatch(LIBRARY_ID);
    });

    it.each([
      ['5 KB long', 'k'.repeat(5 * 1024)],
      ['5 KB with encoded newlines', '%0d%0aSet-Cookie:%20x=1'.repeat(260)],
      ['markup', '<img src=x onerror=alert(1)>'],
      ['a tab and spaces', 'abc\tdef  ghi'],
    ])('replaces a hostile value (%s) by a new id, flows it, and never logs the value', async (_, hostile) => {
      const id = await chainWith({ 'x-correlation-id': hostile });
      expect(id).toMatch(LIBRARY_ID);
      expect(logger.lines.filter((l) => l.includes(hostile))).toEqual([]);
    });

    it('replaces latin-1 bytes sent on a raw socket (fetch refuses them) by a new id', async () => {
      const hostile = 'caf\u00e9\u00ff-id'; // obs-text: Node lets it through
      const response = await rawRequest(
        httpPort,
        `GET /budget HTTP/1.1\r\nHost: x\r\nx-correlation-id: ${hostile}\r\nConnection: close\r\n\r\n`,
      );
      expect(response.startsWith('HTTP/1.1 200')).toBe(true);
      expect(headerOf(response, 'x-correlation-id')).toMatch(LIBRARY_ID);
      expect(logger.lines.filter((l) => l.includes('caf'))).toEqual([]);
    });

    it.each([
      ['a bare LF', 'abc\ndef'],
      ['a CR LF followed by a header (obs-fold / injection)', 'abc\r\n evil: 1'],
    ])('a value with %s never reaches the app: Node answers 400 itself', async (_, hostile) => {
      const response = await rawRequest(
        httpPort,
        `GET /budget HTTP/1.1\r\nHost: x\r\nx-correlation-id: ${hostile}\r\nConnection: close\r\n\r\n`,
      );
      expect(response.startsWith('HTTP/1.1 400')).toBe(true);
      expect(headerOf(response, 'x-correlation-id')).toBeUndefined();
      expect(logger.lines.filter((l) => l.includes('abc'))).toEqual([]);
    });

    it('seeds the id with the trace id of a valid traceparent when no x-correlation-id is sent', async () => {
      expect(await chainWith({ traceparent: TRACEPARENT })).toBe(TRACE_ID);
    });

    it('prefers x-correlation-id to traceparent, and ignores an invalid traceparent', async () => {
      expect(await chainWith({ traceparent: TRACEPARENT, 'x-correlation-id': 'given-1' })).toBe('given-1');
      for (const bad of [
        `ff-${TRACE_ID}-00f067aa0ba902b7-01`,
        `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
        `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
        `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`,
        `00-${TRACE_ID}-00f067aa0ba902b7-01-extra`,
      ]) {
        expect(await chainWith({ traceparent: bad })).toMatch(LIBRARY_ID);
      }
    });
  });

  describe('request budget', () => {
    const left = async (path: string, headers: Record<string, string> = {}) =>
      ((await (await fetch(`${base}${path}`, { headers })).json()) as { left: number | null }).left;

    it('has no budget without the header (no default configured)', async () => {
      expect(await left('/budget')).toBeNull();
    });

    it('takes the header in milliseconds', async () => {
      const l = (await left('/budget', { 'x-request-timeout': '2000' }))!;
      expect(l).toBeLessThanOrEqual(2000);
      expect(l).toBeGreaterThan(1000);
    });

    it('lowers a budget above max to max', async () => {
      const l = (await left('/budget', { 'x-request-timeout': '999999' }))!;
      expect(l).toBeLessThanOrEqual(5000);
      expect(l).toBeGreaterThan(4000);
    });

    it.each([
      ['max', '5000'],
      ['max + 1', '5001'],
      ['10 digits', '9999999999'],
      ['11 digits', '99999999999'],
      ['16 digits', '9999999999999999'],
      ['40 digits', '9'.repeat(40)],
    ])('lowers a budget at or above max to max, however long: %s', async (_, value) => {
      const l = (await left('/budget', { 'x-request-timeout': value }))!;
      expect(l).toBeLessThanOrEqual(5000);
      expect(l).toBeGreaterThan(4000);
    });

    it.each(['abc', '-5', '0', '1.5', '1e3', '9'.repeat(65), ' '])('ignores the invalid value %j', async (value) => {
      expect(await left('/budget', { 'x-request-timeout': value })).toBeNull();
    });

    it('applies @RequestTimeout on the route, the earliest deadline winning over the header', async () => {
      const l = (await left('/budget-300', { 'x-request-timeout': '4000' }))!;
      expect(l).toBeLessThanOrEqual(300);
      expect(l).toBeGreaterThan(0);
      const shorter = (await left('/budget-300', { 'x-request-timeout': '100' }))!;
      expect(shorter).toBeLessThanOrEqual(100);
    });

    it('keeps the correlation id inside @RequestTimeout', async () => {
      const res = await fetch(`${base}/budget-300`, { headers: { 'x-correlation-id': 'budget-id' } });
      expect(((await res.json()) as { correlationId: string }).correlationId).toBe('budget-id');
    });

    it.each([
      ['the x-request-timeout header', '/slow', { 'x-request-timeout': '300' }],
      ['@RequestTimeout(300)', '/slow-300', {}],
    ])('a call against a slow handler fails with DEADLINE_EXCEEDED within the budget of %s', async (_, path, headers) => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(504);
      expect(((await res.json()) as { code: string }).code).toBe('DEADLINE_EXCEEDED');
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(300 + 700); // the slow handler takes 3000 ms
    });
  });
});

describe.each<Platform>(['express', 'fastify'])(`HTTP edge beside nestjs-cls on %s (Nest ${nestMajor})`, (platform) => {
  @Injectable()
  class WhoAmI {
    constructor(private readonly cls: ClsService) {}
    user(): string | undefined {
      return this.cls.get<string>('user');
    }
  }

  @Controller()
  class ClsController {
    constructor(
      private readonly cls: ClsService,
      private readonly who: WhoAmI,
      @InjectMessagingClient('svc') private readonly client: MessagingClient,
    ) {}

    @Get('cls')
    async get(@Query('token') token: string) {
      const before = { clsId: this.cls.getId(), user: this.cls.get<string>('user'), http: getMessageContext()?.correlationId };
      const chain = await this.client.request<ChainReply>({ cmd: 'a' }, { token });
      // both contexts survive the awaited call
      return { ...before, serviceUser: this.who.user(), clsIdAfter: this.cls.getId(), chain };
    }
  }

  let server: RunningServer;
  beforeAll(async () => {
    server = await startServices();
  });
  afterAll(() => stopServices(server));

  async function withApp(options: CorrelationIdOptions, run: (base: string) => Promise<void>) {
    @Module({
      imports: [
        // ClsModule first: its middleware then runs before MessagingHttpModule's.
        ClsModule.forRoot({
          global: true,
          middleware: {
            mount: true,
            generateId: true,
            idGenerator: () => `cls-${randomUUID()}`,
            setup: (cls: ClsService) => cls.set('user', 'ada'),
          },
        }),
        MessagingHttpModule.forRoot(options),
        clients(server.port),
      ],
      controllers: [ClsController],
      providers: [WhoAmI],
    })
    class ClsAppModule {}
    const { app, base } = await startHttp(platform, { module: ClsAppModule }, new RecordingLogger());
    try {
      await run(base);
    } finally {
      await app.close();
    }
  }

  interface ClsReply {
    clsId: string;
    clsIdAfter: string;
    user: string;
    serviceUser: string;
    http: string;
    chain: ChainReply;
  }

  it('both work side by side: cls values in the controller and services, the correlation id to the handlers', async () => {
    await withApp({}, async (base) => {
      const token = randomUUID();
      const res = await fetch(`${base}/cls?token=${token}`, { headers: { 'x-correlation-id': 'beside-cls' } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as ClsReply;
      expect(body.user).toBe('ada');
      expect(body.serviceUser).toBe('ada');
      expect(body.clsId).toMatch(/^cls-/);
      expect(body.clsIdAfter).toBe(body.clsId);
      expect(body.http).toBe('beside-cls');
      expect(body.chain.b.correlationId).toBe('beside-cls');
      expect(res.headers.get('x-correlation-id')).toBe('beside-cls');
    });
  });

  it('with correlationIdFrom, the correlation id is the cls id, down to the event handler', async () => {
    await withApp({ correlationIdFrom: () => ClsServiceManager.getClsService().getId() }, async (base) => {
      const token = randomUUID();
      const res = await fetch(`${base}/cls?token=${token}`);
      const body = (await res.json()) as ClsReply;
      expect(body.clsId).toMatch(/^cls-/);
      expect(body.http).toBe(body.clsId);
      expect(res.headers.get('x-correlation-id')).toBe(body.clsId);
      expect(body.chain.a.correlationId).toBe(body.clsId);
      expect(body.chain.b.correlationId).toBe(body.clsId);
      await waitFor(() => eventSaw.has(token), 5000, 'the event');
      expect(eventSaw.get(token)).toBe(body.clsId);
      expect(body.user).toBe('ada');
    });
  });

  it('falls back to the header when the function gives no valid id (and survives one that throws)', async () => {
    await withApp(
      {
        correlationIdFrom: () => {
          throw new Error('no cls');
        },
      },
      async (base) => {
        const res = await fetch(`${base}/cls?token=${randomUUID()}`, { headers: { 'x-correlation-id': 'fallback-1' } });
        expect(((await res.json()) as ClsReply).http).toBe('fallback-1');
      },
    );
    await withApp({ correlationIdFrom: () => 'not valid!' }, async (base) => {
      const res = await fetch(`${base}/cls?token=${randomUUID()}`);
      const id = ((await res.json()) as ClsReply).http;
      expect(isValidId(id)).toBe(true);
      expect(id).not.toBe('not valid!');
    });
  });
});

describe('HTTP edge options', () => {
  it.each<[string, CorrelationIdOptions]>([
    ['max 0', { requestTimeout: { max: 0 } }],
    ['max NaN', { requestTimeout: { max: Number.NaN } }],
    ['default above max', { requestTimeout: { max: 1000, default: 2000 } }],
    ['a bad budget header', { requestTimeout: { max: 1000, header: 'x timeout' } }],
    ['correlationIdFrom not a function', { correlationIdFrom: 'cls' as never }],
  ])('refuses %s', (_, options) => {
    expect(() => MessagingHttpModule.forRoot(options)).toThrow(MessagingConfigurationError);
  });

  it.each([0, -1, Number.NaN, Infinity])('@RequestTimeout(%p) is refused', (ms) => {
    expect(() => RequestTimeout(ms)).toThrow(MessagingConfigurationError);
  });
});
