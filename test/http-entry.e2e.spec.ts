import type { AddressInfo } from 'node:net';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  UseGuards,
  type CanActivate,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  CorrelationIdMiddleware,
  getMessageContext,
  InjectMessagingClient,
  MessageMeta,
  MessagingClient,
  MessagingConfigurationError,
  MessagingHttpModule,
  MessagingModule,
  type MessageMetadata,
} from '../src';
import { nestMajor, startTcpServer, type RunningServer } from './support/nest';

/** What the remote handler saw. */
interface Echo {
  handlerCorrelationId: string;
  causationId?: string;
  data: unknown;
}

@Controller()
class EchoHandlers {
  @MessagePattern({ cmd: 'echo' })
  echo(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata): Echo {
    return { handlerCorrelationId: meta.correlationId, causationId: meta.causationId, data };
  }
}

/** Records the correlation id a guard sees (guards run after middleware, before interceptors). */
const guardSaw: Array<string | undefined> = [];

@Injectable()
class RecordingGuard implements CanActivate {
  canActivate(): boolean {
    guardSaw.push(getMessageContext()?.correlationId);
    return true;
  }
}

@Controller('echo')
@UseGuards(RecordingGuard)
class HttpController {
  constructor(@InjectMessagingClient('echo') private readonly client: MessagingClient) {}

  @Get(':n')
  async get(): Promise<Echo & { httpCorrelationId?: string }> {
    const httpCorrelationId = getMessageContext()?.correlationId;
    await new Promise((r) => setTimeout(r, 5)); // the context survives awaits
    const echo = await this.client.request<Echo>({ cmd: 'echo' }, { via: 'get' });
    return { ...echo, httpCorrelationId };
  }

  @Post()
  async post(@Body() body: unknown): Promise<Echo & { httpCorrelationId?: string }> {
    const httpCorrelationId = getMessageContext()?.correlationId;
    const echo = await this.client.request<Echo>({ cmd: 'echo' }, body);
    return { ...echo, httpCorrelationId };
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

function appModule(port: number, header?: string): DynamicModule {
  @Module({
    imports: [
      MessagingHttpModule.forRoot(header ? { header } : {}),
      MessagingModule.forRoot({
        clients: [{ name: 'echo', transport: Transport.TCP, options: { host: '127.0.0.1', port } }],
        defaults: { timeout: 3000 },
      }),
    ],
    controllers: [HttpController],
    providers: [RecordingGuard],
  })
  class HttpAppModule {}
  return { module: HttpAppModule };
}

type Platform = 'express' | 'fastify';

async function startHttp(platform: Platform, port: number, logger: LoggerService, header?: string) {
  const app: INestApplication =
    platform === 'express'
      ? await NestFactory.create(appModule(port, header), { logger })
      : await NestFactory.create(appModule(port, header), new FastifyAdapter(), { logger });
  await app.listen(0, '127.0.0.1');
  const { port: httpPort } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${httpPort}` };
}

/** What the library makes: 16 random bytes in base64url. */
const LIBRARY_ID = /^[A-Za-z0-9_-]{22}$/;

describe.each<Platform>(['express', 'fastify'])(`HTTP entry on %s (Nest ${nestMajor})`, (platform) => {
  let server: RunningServer;
  let app: INestApplication;
  let base: string;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    server = await startTcpServer([EchoHandlers]);
    ({ app, base } = await startHttp(platform, server.port, logger));
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  beforeEach(() => {
    guardSaw.length = 0;
  });

  it('uses the incoming id: the guard, the controller and the remote handler see it, and the response echoes it', async () => {
    const id = 'req-1:abc.DEF_9';
    const res = await fetch(`${base}/echo/1`, { headers: { 'x-correlation-id': id } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe(id);
    const body = (await res.json()) as Echo & { httpCorrelationId: string };
    expect(body).toMatchObject({ httpCorrelationId: id, handlerCorrelationId: id, data: { via: 'get' } });
    expect(body.causationId).toBeUndefined(); // an HTTP request is no message
    expect(guardSaw).toEqual([id]);
  });

  it('keeps the context through body parsing (POST with a JSON body)', async () => {
    const id = 'post-1';
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'x-correlation-id': id, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Sample', padding: 'x'.repeat(100_000) }), // several chunks
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe(id);
    const body = (await res.json()) as Echo & { httpCorrelationId: string; data: { name: string } };
    expect(body.httpCorrelationId).toBe(id);
    expect(body.handlerCorrelationId).toBe(id);
    expect(body.data.name).toBe('Sample');
  });

  it('makes an id when the header is absent', async () => {
    const res = await fetch(`${base}/echo/2`);
    const id = res.headers.get('x-correlation-id');
    expect(id).toMatch(LIBRARY_ID);
    const body = (await res.json()) as Echo;
    expect(body.handlerCorrelationId).toBe(id);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['a forbidden character', 'abc def'],
    ['markup', '<script>alert(1)</script>'],
    ['a slash', 'a/b'],
  ])('replaces an id with %s by a new one and never logs it', async (_, bad) => {
    const res = await fetch(`${base}/echo/3`, { headers: { 'x-correlation-id': bad } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-correlation-id');
    expect(id).toMatch(LIBRARY_ID);
    const body = (await res.json()) as Echo;
    expect(body.handlerCorrelationId).toBe(id);
    expect(logger.lines.filter((l) => l.includes(bad))).toEqual([]);
  });

  it('accepts an id of exactly 128 characters', async () => {
    const id = 'A'.repeat(128);
    const res = await fetch(`${base}/echo/4`, { headers: { 'x-correlation-id': id } });
    expect(res.headers.get('x-correlation-id')).toBe(id);
    expect(((await res.json()) as Echo).handlerCorrelationId).toBe(id);
  });

  it('keeps concurrent requests apart', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `parallel-${i}`);
    const results = await Promise.all(
      ids.map(async (id) => {
        const res = await fetch(`${base}/echo/${id}`, { headers: { 'x-correlation-id': id } });
        return { id, header: res.headers.get('x-correlation-id'), body: (await res.json()) as Echo & { httpCorrelationId: string } };
      }),
    );
    for (const r of results) {
      expect(r.header).toBe(r.id);
      expect(r.body.httpCorrelationId).toBe(r.id);
      expect(r.body.handlerCorrelationId).toBe(r.id);
    }
  });

  it('echoes the id on error responses too (unknown route)', async () => {
    const res = await fetch(`${base}/nowhere`, { headers: { 'x-correlation-id': 'lost-1' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-correlation-id')).toBe('lost-1');
  });

  it('leaves no context behind once the request is served', () => {
    expect(getMessageContext()).toBeUndefined();
  });
});

describe.each<Platform>(['express', 'fastify'])(`HTTP entry with a configured header on %s (Nest ${nestMajor})`, (platform) => {
  let server: RunningServer;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    server = await startTcpServer([EchoHandlers]);
    ({ app, base } = await startHttp(platform, server.port, new RecordingLogger(), 'X-Request-Id'));
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('reads and echoes the configured header, and ignores the default one', async () => {
    const res = await fetch(`${base}/echo/5`, { headers: { 'x-request-id': 'custom-7', 'x-correlation-id': 'other' } });
    expect(res.headers.get('x-request-id')).toBe('custom-7');
    expect(res.headers.get('x-correlation-id')).toBeNull();
    expect(((await res.json()) as Echo).handlerCorrelationId).toBe('custom-7');
  });
});

describe('MessagingHttpModule options', () => {
  it.each([[''], ['bad header'], ['x-id\n']])('refuses the header name %j', (header) => {
    expect(() => MessagingHttpModule.forRoot({ header })).toThrow(MessagingConfigurationError);
  });

  it('defaults to x-correlation-id when the middleware is used on its own', () => {
    const headers: Record<string, string> = {};
    const middleware = new CorrelationIdMiddleware();
    let seen: string | undefined;
    middleware.use(
      { headers: { 'x-correlation-id': 'solo-1' } } as never,
      { headersSent: false, setHeader: (k: string, v: string) => (headers[k] = v) } as never,
      () => (seen = getMessageContext()?.correlationId),
    );
    expect(headers).toEqual({ 'x-correlation-id': 'solo-1' });
    expect(seen).toBe('solo-1');
  });
});
