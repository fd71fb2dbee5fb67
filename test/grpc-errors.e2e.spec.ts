import { Controller, NotFoundException } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, MinLength } from 'class-validator';
import { lastValueFrom, map, Observable, take, timer, toArray } from 'rxjs';
import { defineMessage, MessagingError, MessagingErrorCode, MessagingRemoteError, type MessagingErrorCode as Code } from '../src';
import {
  GrpcHandler,
  GrpcStatus,
  grpcStatusOf,
  MessagingGrpcClient,
  readGrpcErrorTrailer,
  type GrpcServiceClient,
} from '../src/grpc';
import {
  grpc,
  plainGrpcClient,
  rawEchoClient,
  rawUnary,
  SERVICE,
  startGrpcServer,
  type CountRequest,
  type EchoRequest,
  type EchoService,
  type RunningGrpc,
} from './support/grpc';
import { nestMajor } from './support/nest';

class SayRequest {
  @IsString() @MinLength(1) text!: string;
  @IsOptional() @IsInt() waitMs?: number;
  @IsOptional() @IsString() failWith?: string;
  @IsOptional() @IsString() action?: string;
}
const Say = defineMessage({ pattern: 'messaging.test.Echo/Say', versions: { 1: SayRequest } });

const CODES = Object.values(MessagingErrorCode) as Code[];

/** What the handlers throw, by `action`. */
function fail(request: EchoRequest): never {
  switch (request.action) {
    case 'http-404':
      throw new NotFoundException('no such echo');
    case 'bug':
      throw new Error('db password=hunter2 leaked');
    case 'native':
      throw new RpcException({ code: GrpcStatus.NOT_FOUND, message: 'native not found' });
    default:
      throw new MessagingError(`failed with ${request.failWith}`, request.failWith as Code, request.failWith === 'UNAVAILABLE');
  }
}

@Controller()
class LibraryHandlers {
  @GrpcHandler(SERVICE, 'Say', { contract: Say })
  say(request: SayRequest): object {
    if (request.failWith || request.action) fail(request);
    return { text: request.text };
  }

  @GrpcHandler(SERVICE, 'Count')
  count(request: CountRequest): Observable<object> {
    return timer(0, 5).pipe(
      take((request.count ?? 0) + 1),
      map((i) => {
        if (i === request.count) fail({ failWith: request.failWith });
        return { index: i };
      }),
    );
  }
}

@Controller()
class ExposingHandlers {
  @GrpcHandler(SERVICE, 'Say', { exposeErrors: true })
  say(request: EchoRequest): object {
    return fail(request);
  }
}

@Controller()
class PlainHandlers {
  @GrpcMethod(SERVICE, 'Say')
  say(request: EchoRequest): object {
    return fail(request);
  }
}

async function rawStatus(url: string, request: EchoRequest) {
  const raw = rawEchoClient(url);
  try {
    const { error } = await rawUnary(raw, 'say', request);
    return { code: error?.code, details: error?.details, trailer: readGrpcErrorTrailer(error?.metadata), trailers: error?.metadata?.getMap() };
  } finally {
    raw.close();
  }
}

describe(`gRPC errors (Nest ${nestMajor})`, () => {
  const servers: RunningGrpc[] = [];
  const clients: MessagingGrpcClient[] = [];
  const start = async (controller: Parameters<typeof startGrpcServer>[0][number], library = true) => {
    const server = await startGrpcServer([controller], { library });
    servers.push(server);
    const client = MessagingGrpcClient.wrap(plainGrpcClient(server.url), 'errors', { timeout: 3000 });
    clients.push(client);
    return { server, echo: client.getService<EchoService>(SERVICE) };
  };
  let library: { server: RunningGrpc; echo: GrpcServiceClient<EchoService> };

  beforeAll(async () => {
    library = await start(LibraryHandlers);
  });
  afterAll(async () => {
    for (const c of clients) {
      await c.close();
      (c.grpc as ReturnType<typeof plainGrpcClient>).close();
    }
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each(CODES)('%s: the library client gets the typed error; a plain grpc-js client the standard status and the trailer', async (code) => {
    const err = await lastValueFrom(library.echo.say({ text: 'x', failWith: code })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code, message: expect.stringContaining(`failed with ${code}`), retryable: code === 'UNAVAILABLE' });
    expect((err as MessagingRemoteError).remote).toMatchObject({ grpcCode: grpcStatusOf(code) });
    const raw = await rawStatus(library.server.url, { text: 'x', failWith: code });
    expect(raw.code).toBe(grpcStatusOf(code));
    expect(raw.details).toBe(`failed with ${code}`);
    expect(raw.trailer).toMatchObject({ code, message: `failed with ${code}`, pattern: 'messaging.test.Echo/Say' });
    expect(raw.trailers?.['msg-correlation-id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('a failure in the middle of a server stream ends it with its status', async () => {
    const err = await lastValueFrom(library.echo.count({ count: 2, failWith: 'RESOURCE_EXHAUSTED' }).pipe(toArray())).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.RESOURCE_EXHAUSTED });
  });

  it('an invalid request is INVALID_ARGUMENT with the failing fields in the trailer', async () => {
    const err = (await lastValueFrom(library.echo.say({ waitMs: 1 })).catch((e: unknown) => e)) as MessagingRemoteError;
    expect(err.code).toBe(MessagingErrorCode.INVALID_ARGUMENT);
    expect(JSON.stringify(err.details)).toContain('text');
    const raw = await rawStatus(library.server.url, { waitMs: 1 });
    expect(raw.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(JSON.stringify(raw.trailer?.details)).toContain('text');
  });

  it('an HttpException maps by its status; an unexpected error is INTERNAL without its message, unless exposeErrors', async () => {
    expect(await rawStatus(library.server.url, { text: 'x', action: 'http-404' })).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such echo' });
    const bug = await rawStatus(library.server.url, { text: 'x', action: 'bug' });
    expect(bug).toMatchObject({ code: grpc.status.INTERNAL, details: 'Internal server error' });
    expect(JSON.stringify(bug.trailers)).not.toContain('hunter2');
    expect(JSON.stringify(bug.trailer)).not.toMatch(/hunter2|at .*\.ts/);

    const exposing = await start(ExposingHandlers);
    const exposed = await rawStatus(exposing.server.url, { text: 'x', action: 'bug' });
    expect(exposed.code).toBe(grpc.status.INTERNAL);
    expect((exposed.trailer?.details as { message?: string }).message).toContain('hunter2');
  });

  it('a plain @GrpcMethod on the library server: its own gRPC status passes, anything else is INTERNAL', async () => {
    const plain = await start(PlainHandlers);
    expect(await rawStatus(plain.server.url, { action: 'native' })).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'native not found' });
    const err = await lastValueFrom(plain.echo.say({ action: 'native' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.NOT_FOUND, remote: { grpcCode: 5, message: 'native not found' } });
    const bug = await rawStatus(plain.server.url, { action: 'bug' });
    expect(bug).toMatchObject({ code: grpc.status.INTERNAL, details: 'Internal server error' });
  });

  it("the library's handler under Nest's own gRPC server still answers with statuses and validates", async () => {
    const nestServer = await start(LibraryHandlers, false);
    expect(await rawStatus(nestServer.server.url, { text: 'x', failWith: 'NOT_FOUND' })).toMatchObject({
      code: grpc.status.NOT_FOUND,
      trailer: { code: 'NOT_FOUND' },
    });
    expect((await rawStatus(nestServer.server.url, { waitMs: 1 })).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('a method without a handler is UNIMPLEMENTED', async () => {
    const plain = await start(PlainHandlers);
    const err = await lastValueFrom(plain.echo.count({ count: 1 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.UNIMPLEMENTED, retryable: false });
  });
});
