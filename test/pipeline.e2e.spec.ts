import type { AddressInfo, Server } from 'node:net';
import {
  Catch,
  Controller,
  Injectable,
  Module,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type ArgumentMetadata,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type INestMicroservice,
  type NestInterceptor,
  type PipeTransform,
  type RpcExceptionFilter,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, Payload, ServerTCP, Transport, type CustomStrategy } from '@nestjs/microservices';
import { map, throwError, type Observable } from 'rxjs';
import {
  defineMessage,
  getMessageContext,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingClientSerializer,
  MessagingErrorCode,
  messagingMicroservice,
  MessagingRemoteError,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { CreateUser, CreateUserV1, GetUser, GetUserV2, UserDto, type GetUserV1 } from './fixtures/users.contracts';
import { describeWithBroker } from './support/brokers';
import { CapturingLogger } from './support/log-capture';
import { nestMajor } from './support/nest';
import { uniqueName } from './support/transports';

/**
 * The handler side as the library's server strategies run it (TCP here; the
 * per-transport proofs are in pipeline-transports.e2e.spec.ts): options that
 * reach handlers without dependency injection, Nest's own enhancers around a
 * decorated handler, the fallback under a server that is not the library's,
 * and the message context of a plain @MessagePattern handler.
 *
 * One CapturingLogger for the whole file: Nest makes the `logger` of the last
 * app created the static logger of the process, so every app here gets this one.
 */
const logs = new CapturingLogger();
const HOST = '127.0.0.1';
const CALL_TIMEOUT = 5000;

function portOf(strategy: CustomStrategy): number {
  return ((strategy.strategy as ServerTCP).unwrap<Server>().address() as AddressInfo).port;
}

/** A MessagingClient over TCP to `port`, with no Nest module around it. */
function libraryClient(port: number, name = 'pipeline-test'): MessagingClient {
  return MessagingClient.wrap(
    ClientProxyFactory.create({ transport: Transport.TCP, options: { host: HOST, port, serializer: new MessagingClientSerializer() } }),
    name,
    { timeout: CALL_TIMEOUT },
  );
}

async function closeClient(client: MessagingClient | undefined): Promise<void> {
  if (!client) return;
  await client.close();
  await client.proxy.close();
}

/** Starts `module` as a TCP microservice with `strategy` on a free port. */
async function startMicroservice(module: new () => unknown, strategy: CustomStrategy): Promise<{ app: INestMicroservice; port: number }> {
  const app = await NestFactory.createMicroservice(module, { ...strategy, logger: logs });
  await app.listen();
  return { app, port: portOf(strategy) };
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

// ---------------------------------------------------------------------------------------------
// 1. Server-wide handler options reach a handler whose module imports nothing from the library
// ---------------------------------------------------------------------------------------------

/** A payload the size limit is computed from: `maxPayloadSize` is exactly its UTF-8 JSON size. */
const AT_LIMIT = { text: 'x'.repeat(64) };
const LIMIT = jsonBytes(AT_LIMIT);
const EXPOSED_MESSAGE = 'bare handler broke: probe-7c1f';
let bareEchoCalls = 0;

@Controller()
class BareController {
  @MessageHandler({ cmd: 'bare_fail' })
  fail(): never {
    throw new TypeError(EXPOSED_MESSAGE);
  }

  // the decorator's own option wins over the server's default
  @MessageHandler({ cmd: 'bare_fail_hidden' }, { exposeErrors: false })
  failHidden(): never {
    throw new TypeError(EXPOSED_MESSAGE);
  }

  @MessageHandler({ cmd: 'bare_echo' })
  echo(@Payload() data: { text: string }): number {
    bareEchoCalls++;
    return data.text.length;
  }
}

/** The server app: no MessagingModule, no import at all, no provider. */
@Module({ controllers: [BareController] })
class BareModule {}

describe(`server handler options without dependency injection (Nest ${nestMajor})`, () => {
  let server: INestMicroservice | undefined;
  let client: MessagingClient | undefined;

  beforeAll(async () => {
    const started = await startMicroservice(
      BareModule,
      messagingMicroservice(
        { transport: Transport.TCP, options: { host: HOST, port: 0 } },
        { handlers: { exposeErrors: true, maxPayloadSize: LIMIT } },
      ),
    );
    server = started.app;
    client = libraryClient(started.port);
  });
  afterAll(async () => {
    await closeClient(client);
    await server?.close();
  });
  beforeEach(() => {
    bareEchoCalls = 0;
  });

  it('the server app imports nothing: no MessagingModule anywhere', () => {
    expect(Reflect.getMetadata('imports', BareModule)).toBeUndefined();
    expect(Reflect.getMetadata('providers', BareModule)).toBeUndefined();
  });

  it('exposeErrors from messagingMicroservice() puts name, message and stack of an unexpected error in details', async () => {
    const err = await runWithMessageContext({ correlationId: 'bare-expose-1' }, () =>
      client!.request({ cmd: 'bare_fail' }, {}).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(MessagingRemoteError);
    const remote = err as MessagingRemoteError;
    expect(remote.code).toBe(MessagingErrorCode.INTERNAL);
    expect(remote.correlationId).toBe('bare-expose-1');
    const details = remote.details as { name: string; message: string; stack: string };
    expect(details).toMatchObject({ name: 'TypeError', message: EXPOSED_MESSAGE });
    expect(details.stack).toContain(`TypeError: ${EXPOSED_MESSAGE}`);
    expect(details.stack).toContain('BareController.fail');
  });

  it("a decorator's exposeErrors: false wins over the server's default", async () => {
    const err = await client!.request({ cmd: 'bare_fail_hidden' }, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.INTERNAL });
    expect((err as MessagingRemoteError).details).toBeUndefined();
    expect(JSON.stringify((err as MessagingRemoteError).remote)).not.toContain(EXPOSED_MESSAGE);
  });

  it('maxPayloadSize from messagingMicroservice() refuses a payload one byte over the limit with RESOURCE_EXHAUSTED', async () => {
    // exactly at the limit: handled
    expect(await client!.request({ cmd: 'bare_echo' }, AT_LIMIT)).toBe(AT_LIMIT.text.length);
    expect(bareEchoCalls).toBe(1);

    const over = { text: `${AT_LIMIT.text}y` };
    expect(jsonBytes(over)).toBe(LIMIT + 1);
    const err = await client!.request({ cmd: 'bare_echo' }, over).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code: MessagingErrorCode.RESOURCE_EXHAUSTED, details: { size: LIMIT + 1, limit: LIMIT } });

    // the limit is in UTF-8 bytes: same number of characters as AT_LIMIT, one byte more
    const multiByte = { text: `é${AT_LIMIT.text.slice(1)}` };
    expect(JSON.stringify(multiByte).length).toBe(JSON.stringify(AT_LIMIT).length);
    await expect(client!.request({ cmd: 'bare_echo' }, multiByte)).rejects.toMatchObject({
      code: MessagingErrorCode.RESOURCE_EXHAUSTED,
      details: { size: LIMIT + 1, limit: LIMIT },
    });
    expect(bareEchoCalls).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. The user's guard, pipe, interceptor and exception filter on a decorated handler, hybrid app
// ---------------------------------------------------------------------------------------------

/** What the test's own enhancers saw, in the order they ran. */
const ran: string[] = [];

class TeapotError extends Error {
  override name = 'TeapotError';
}

const nameOf = (value: unknown): string => (value === null || typeof value !== 'object' ? typeof value : value.constructor.name);

@Injectable()
class RecordingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const data = context.switchToRpc().getData<{ id?: number }>();
    ran.push(`guard:${nameOf(data)}`);
    return data.id !== 403;
  }
}

@Injectable()
class RecordingInterceptor implements NestInterceptor {
  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    ran.push('interceptor');
    return next.handle().pipe(map((result: unknown) => ({ ...(result as object), intercepted: true })));
  }
}

@Injectable()
class RecordingPipe implements PipeTransform {
  // applied to the @Payload() parameter (the handler has no other)
  transform(value: unknown, _metadata: ArgumentMetadata): unknown {
    ran.push(`pipe:${nameOf(value)}`);
    return Object.assign(value as object, { locale: 'set-by-pipe' });
  }
}

@Catch(TeapotError)
class TeapotFilter implements RpcExceptionFilter<TeapotError> {
  catch(exception: TeapotError): Observable<never> {
    ran.push(`filter:${exception.message}`);
    return throwError(() => ({ code: 'IM_A_TEAPOT', message: 'answered by the user filter', retryable: false }));
  }
}

/** A handler that uses each enhancer; throws TeapotError for id 418 and a plain Error for id 500. */
function enhancedReply(dto: GetUserV2): UserDto & { locale?: string } {
  ran.push(`handler:${nameOf(dto)}`);
  if (dto.id === 418) throw new TeapotError('short and stout');
  if (dto.id === 500) throw new Error('not for the user filter');
  return { id: dto.id, name: `user-${dto.id}`, locale: dto.locale };
}

const versionsOfGetUser = { versions: GetUser.versions, upcast: { 1: (v1: GetUserV1) => ({ id: v1.userId }) }, response: UserDto };
const FilterAbove = defineMessage({ pattern: { cmd: 'enhanced_filter_above' }, ...versionsOfGetUser });
const FilterBelow = defineMessage({ pattern: { cmd: 'enhanced_filter_below' }, ...versionsOfGetUser });

@Controller()
class EnhancedController {
  // The user's @UseFilters written ABOVE @MessageHandler.
  @UseFilters(TeapotFilter)
  @MessageHandler(FilterAbove)
  @UseGuards(RecordingGuard)
  @UseInterceptors(RecordingInterceptor)
  @UsePipes(RecordingPipe)
  above(@Payload() dto: GetUserV2) {
    return enhancedReply(dto);
  }

  // The user's @UseFilters written BELOW @MessageHandler, beside the other enhancers (the usual style).
  @MessageHandler(FilterBelow)
  @UseFilters(TeapotFilter)
  @UseGuards(RecordingGuard)
  @UseInterceptors(RecordingInterceptor)
  @UsePipes(RecordingPipe)
  below(@Payload() dto: GetUserV2) {
    return enhancedReply(dto);
  }
}

describe.each([false, true])(`user enhancers on a decorated handler in a hybrid app, inheritAppConfig %s (Nest ${nestMajor})`, (inheritAppConfig) => {
  let app: INestApplication | undefined;
  let client: MessagingClient | undefined;

  beforeAll(async () => {
    @Module({
      controllers: [EnhancedController],
      providers: [
        {
          provide: APP_INTERCEPTOR,
          useValue: {
            intercept: (_: unknown, next: CallHandler) => {
              ran.push('global-interceptor');
              return next.handle();
            },
          },
        },
      ],
    })
    class HybridModule {}
    app = await NestFactory.create(HybridModule, { logger: logs });
    const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: HOST, port: 0 } });
    app.connectMicroservice(strategy, { inheritAppConfig });
    await app.startAllMicroservices();
    await app.listen(0, HOST);
    client = libraryClient(portOf(strategy));
  });
  afterAll(async () => {
    await closeClient(client);
    await app?.close();
  });
  beforeEach(() => {
    ran.length = 0;
  });

  const globalPart = inheritAppConfig ? ['global-interceptor'] : [];

  it.each([
    ['above', FilterAbove],
    ['below', FilterBelow],
  ])('runs the guard, interceptor and pipe (filter %s), on the decoded DTO, in Nest order', async (_, contract) => {
    const reply = await client!.request(contract, { userId: 7 }, { version: 1 });
    // the pipe's output reached the handler; the interceptor mapped the result
    expect(reply).toEqual({ id: 7, name: 'user-7', locale: 'set-by-pipe', intercepted: true });
    // the pipeline decoded and upcast the payload first: every enhancer saw the v2 DTO instance
    expect(ran).toEqual(['guard:GetUserV2', ...globalPart, 'interceptor', 'pipe:GetUserV2', 'handler:GetUserV2']);
  });

  it.each([
    ['above', FilterAbove],
    ['below', FilterBelow],
  ])("the user's guard refusing is PERMISSION_DENIED, and the handler does not run (filter %s)", async (_, contract) => {
    await expect(client!.request(contract, { id: 403 })).rejects.toMatchObject({
      code: MessagingErrorCode.PERMISSION_DENIED,
      remote: { code: 'PERMISSION_DENIED', message: 'Forbidden resource' },
    });
    expect(ran).toEqual(['guard:GetUserV2']);
  });

  /*
   * Filters. Nest gathers a method's filters in the order the @UseFilters decorators were
   * APPLIED (decorators apply bottom-up) and asks them in reverse, so the filter written
   * highest on the method is asked first; method filters are asked before class and global
   * ones. @MessageHandler adds MessagingExceptionFilter, which catches everything (@Catch()).
   * The decorator puts it at the front of the method's list, so it is asked last among the
   * method's filters: a user's @UseFilters(UserFilter), written above or below @MessageHandler,
   * takes precedence for the exceptions it catches (its answer reaches the caller); other
   * exceptions still get the library's wire error. (Class-level and global filters are asked after
   * the method's: they do not see the errors of a decorated handler, as the README says.)
   */
  it("a user filter written above @MessageHandler sees the handler's error and answers; others still get the wire error", async () => {
    const teapot = await runWithMessageContext({ correlationId: 'user-filter-above' }, () =>
      client!.request(FilterAbove, { id: 418 }).catch((e: unknown) => e),
    );
    expect(teapot).toBeInstanceOf(MessagingRemoteError);
    expect((teapot as MessagingRemoteError).remote).toEqual({ code: 'IM_A_TEAPOT', message: 'answered by the user filter', retryable: false });
    expect(ran).toEqual(['guard:GetUserV2', ...globalPart, 'interceptor', 'pipe:GetUserV2', 'handler:GetUserV2', 'filter:short and stout']);

    ran.length = 0;
    const internal = await runWithMessageContext({ correlationId: 'user-filter-above-500' }, () =>
      client!.request(FilterAbove, { id: 500 }).catch((e: unknown) => e),
    );
    expect((internal as MessagingRemoteError).remote).toEqual({
      code: 'INTERNAL',
      message: 'Internal server error',
      retryable: false,
      pattern: '{"cmd":"enhanced_filter_above"}',
      correlationId: 'user-filter-above-500',
    });
    expect(ran.filter((r) => r.startsWith('filter:'))).toEqual([]);
  });

  it("a user filter written below @MessageHandler sees the handler's error and answers", async () => {
    const teapot = await client!.request(FilterBelow, { id: 418 }).catch((e: unknown) => e);
    expect(ran).toContain('handler:GetUserV2');
    expect(ran).toContain('filter:short and stout');
    expect((teapot as MessagingRemoteError).remote).toEqual({ code: 'IM_A_TEAPOT', message: 'answered by the user filter', retryable: false });
  });
});

// ---------------------------------------------------------------------------------------------
// 5. A decorated handler under a server that is not the library's (plain ServerTCP)
// ---------------------------------------------------------------------------------------------

const fallbackReceived: unknown[] = [];

@Controller()
class FallbackController {
  @MessageHandler(GetUser)
  getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata) {
    fallbackReceived.push(dto);
    return { id: dto.id, name: `${nameOf(dto)}:${meta.payloadVersion ?? 'none'}` };
  }

  @MessageHandler(CreateUser)
  createUser(@Payload() dto: CreateUserV1) {
    fallbackReceived.push(dto);
    return { id: 1, name: dto.name };
  }

  // Neither contract nor options of its own: nothing that the library's server alone applies.
  @MessageHandler({ cmd: 'fallback_plain' })
  plain(@Payload() data: unknown) {
    fallbackReceived.push(data);
    return data;
  }
}

@Module({ controllers: [FallbackController] })
class FallbackModule {}

describe(`a decorated handler under a plain Nest ServerTCP (Nest ${nestMajor})`, () => {
  let server: INestMicroservice | undefined;
  let client: MessagingClient | undefined;
  const warnings = () => logs.lines.filter((l) => l.context === 'MessagingHandler' && l.text.includes('is served by a server that is not'));

  beforeAll(async () => {
    const started = await startMicroservice(FallbackModule, { strategy: new ServerTCP({ host: HOST, port: 0 }) });
    server = started.app;
    client = libraryClient(started.port);
  });
  afterAll(async () => {
    await closeClient(client);
    await server?.close();
  });
  beforeEach(() => {
    fallbackReceived.length = 0;
  });

  it('handles a valid payload as an instance of the contract DTO', async () => {
    expect(await client!.request(GetUser, { id: 3 })).toEqual({ id: 3, name: `GetUserV2:${nestMajor === 12 ? 2 : 'none'}` });
    expect(fallbackReceived).toHaveLength(1);
    expect(fallbackReceived[0]).toBeInstanceOf(GetUserV2);
    expect(fallbackReceived[0]).toEqual(Object.assign(new GetUserV2(), { id: 3 }));
  });

  // The payload version travels in the packet's `metadata` field on TCP. Nest 12's plain ServerTCP
  // shows it (TcpContext.getMetadata()); Nest 11's drops it, so there the fallback cannot know the
  // version and decodes every payload as the current one (the contract's assumeVersion). Upcasting
  // under a plain server on both majors is shown over NATS (headers) below.
  it(
    nestMajor === 12
      ? 'upcasts an older version to the current DTO (Nest 12: TcpContext.getMetadata())'
      : 'cannot see the version on Nest 11 (no TcpContext.getMetadata()): an older payload is refused, never handled',
    async () => {
      const result = await client!.request(GetUser, { userId: 4 }, { version: 1 }).catch((e: unknown) => e);
      if (nestMajor === 12) {
        expect(result).toEqual({ id: 4, name: 'GetUserV2:1' });
        expect(fallbackReceived).toEqual([Object.assign(new GetUserV2(), { id: 4 })]);
      } else {
        expect(result).toMatchObject({ code: MessagingErrorCode.INVALID_ARGUMENT, details: { version: 2 } });
        expect(fallbackReceived).toEqual([]);
      }
    },
  );

  it('refuses an invalid payload with INVALID_ARGUMENT and its field paths; the handler never runs', async () => {
    const err = await client!
      .request(CreateUser, { name: 'n', email: 'not-an-email', address: { zip: 1 as unknown as string, city: 'Paris' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code: MessagingErrorCode.INVALID_ARGUMENT, retryable: false });
    const issues = ((err as MessagingRemoteError).details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['address.zip', 'email']);
    await expect(client!.request(GetUser, { id: 1, admin: true } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fallbackReceived).toEqual([]);
  });

  it('logs the warning exactly once per handler, however many messages it handles', async () => {
    for (let i = 1; i <= 3; i++) {
      await client!.request(GetUser, { id: i });
      await client!.request(CreateUser, { name: `n${i}`, email: `u${i}@example.com`, address: { zip: '75001', city: 'Paris' } });
    }
    await client!.request(CreateUser, { name: 'bad' } as never).catch(() => undefined);
    expect(fallbackReceived).toHaveLength(6);
    const lines = warnings();
    expect(lines.filter((l) => l.text.includes('FallbackController.getUser '))).toHaveLength(1);
    expect(lines.filter((l) => l.text.includes('FallbackController.createUser '))).toHaveLength(1);
    expect(lines).toHaveLength(2);
    // A handler with neither contract nor options runs as the plain @MessagePattern it is: nothing to validate, no line.
    expect(await client!.request({ cmd: 'fallback_plain' }, { any: ['thing'] })).toEqual({ any: ['thing'] });
    expect(fallbackReceived).toHaveLength(7);
    expect(warnings().filter((l) => l.text.includes('FallbackController.plain '))).toEqual([]);
    expect(lines.every((l) => l.level === 'warn' && l.text.includes('messagingMicroservice('))).toBe(true);
    // handlers served by the library's server (the suites above, hybrid apps included) never warn
    const libraryServed = ['BareController', 'EnhancedController'];
    const allWarnings = logs.lines.filter((l) => l.text.includes('is served by a server that is not'));
    expect(allWarnings.filter((l) => libraryServed.some((c) => l.text.includes(c)))).toEqual([]);
  });
});

const NATS_URL = 'nats://127.0.0.1:4222';
/** GetUser with a pattern of its own: the NATS broker is shared with other suites running in parallel. */
const NatsGetUser = defineMessage({ pattern: { cmd: 'fallback_get_user', ns: uniqueName('nats') }, ...versionsOfGetUser });
const natsReceived: Array<{ dto: unknown; meta: MessageMetadata }> = [];

@Controller()
class NatsFallbackController {
  @MessageHandler(NatsGetUser)
  getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata) {
    natsReceived.push({ dto, meta });
    return { id: dto.id, name: `${nameOf(dto)}:${meta.payloadVersion ?? 'none'}` };
  }
}

@Module({ controllers: [NatsFallbackController] })
class NatsFallbackModule {}

describeWithBroker('nats', `a decorated handler under a plain Nest NATS server (Nest ${nestMajor})`, () => {
  let server: INestMicroservice | undefined;
  let client: MessagingClient | undefined;

  beforeAll(async () => {
    server = await NestFactory.createMicroservice(NatsFallbackModule, {
      transport: Transport.NATS,
      options: { servers: [NATS_URL] },
      logger: logs,
    });
    await server.listen();
    client = MessagingClient.wrap(
      ClientProxyFactory.create({
        transport: Transport.NATS,
        options: { servers: [NATS_URL], serializer: new MessagingClientSerializer(undefined, Transport.NATS) },
      }),
      'nats-fallback',
      { timeout: CALL_TIMEOUT },
    );
  });
  afterAll(async () => {
    await closeClient(client);
    await server?.close();
  });
  beforeEach(() => {
    natsReceived.length = 0;
  });

  it('upcasts an older version to the current DTO, and refuses an invalid payload unhandled, warning once', async () => {
    expect(await client!.request(NatsGetUser, { userId: 4 }, { version: 1 })).toEqual({ id: 4, name: 'GetUserV2:1' });
    expect(await client!.request(NatsGetUser, { id: 5 })).toEqual({ id: 5, name: 'GetUserV2:2' });
    expect(natsReceived.map((r) => r.dto)).toEqual([Object.assign(new GetUserV2(), { id: 4 }), Object.assign(new GetUserV2(), { id: 5 })]);
    expect(natsReceived.every((r) => r.dto instanceof GetUserV2)).toBe(true);

    natsReceived.length = 0;
    await expect(client!.request(NatsGetUser, { userId: 0 }, { version: 1 })).rejects.toMatchObject({
      code: MessagingErrorCode.INVALID_ARGUMENT,
      details: { version: 1, issues: [{ path: 'userId' }] },
    });
    expect(natsReceived).toEqual([]);
    const warned = logs.lines.filter((l) => l.context === 'MessagingHandler' && l.text.includes('NatsFallbackController.getUser '));
    expect(warned).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. A plain @MessagePattern handler on the library's server runs in the message context
// ---------------------------------------------------------------------------------------------

interface ContextSeen {
  correlationId: string | undefined;
  messageId: string | undefined;
  causationId: string | undefined;
}

const contextSeen = (): ContextSeen => {
  const ctx = getMessageContext();
  return { correlationId: ctx?.correlationId, messageId: ctx?.message?.messageId, causationId: ctx?.message?.causationId };
};

class Downstream {
  static client: MessagingClient | undefined;
}

@Controller()
class PlainPatternController {
  @MessagePattern({ cmd: 'plain_outer' })
  async outer(): Promise<{ outer: ContextSeen; inner: ContextSeen }> {
    const outer = contextSeen();
    const inner = await Downstream.client!.request<ContextSeen>({ cmd: 'plain_inner' }, {});
    return { outer, inner };
  }

  @MessagePattern({ cmd: 'plain_inner' })
  inner(): ContextSeen {
    return contextSeen();
  }
}

@Module({ controllers: [PlainPatternController] })
class PlainPatternModule {}

// Without instrumentation, as here, a plain handler takes the pipeline's fast path (context only);
// pipeline-transports.e2e.spec.ts shows the same over every transport with instrumentation.
describe(`a plain @MessagePattern handler on the library's server (Nest ${nestMajor})`, () => {
  let server: INestMicroservice | undefined;
  let client: MessagingClient | undefined;

  beforeAll(async () => {
    const started = await startMicroservice(
      PlainPatternModule,
      messagingMicroservice({ transport: Transport.TCP, options: { host: HOST, port: 0 } }),
    );
    server = started.app;
    Downstream.client = libraryClient(started.port, 'downstream');
    client = libraryClient(started.port);
  });
  afterAll(async () => {
    await closeClient(client);
    await closeClient(Downstream.client);
    await server?.close();
  });

  it("runs in the caller's correlation id, and its calls carry the incoming message id as causation id", async () => {
    const { outer, inner } = await runWithMessageContext({ correlationId: 'plain-ctx-1' }, () =>
      client!.request<{ outer: ContextSeen; inner: ContextSeen }>({ cmd: 'plain_outer' }, {}),
    );
    expect(outer.correlationId).toBe('plain-ctx-1');
    expect(outer.messageId).toEqual(expect.any(String));
    expect(outer.causationId).toBeUndefined();
    expect(inner.correlationId).toBe('plain-ctx-1');
    expect(inner.causationId).toBe(outer.messageId);
    expect(inner.messageId).not.toBe(outer.messageId);
    // nothing leaks out of the handler's context into the caller's
    expect(getMessageContext()).toBeUndefined();
  });
});
