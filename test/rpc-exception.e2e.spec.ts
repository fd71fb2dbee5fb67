import { Controller } from '@nestjs/common';
import { MessagePattern, RpcException, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { MessageHandler, MessagingClient, MessagingClientSerializer, MessagingErrorCode, MessagingRemoteError, runWithMessageContext } from '../src';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { nestMajor, plainTcpClient, startTcpServer, type RunningServer } from './support/nest';

/**
 * Issue 11, item 7: `new RpcException('Forbidden resource')` (the text Nest's
 * guards throw) becomes PERMISSION_DENIED in a library handler; any other
 * RpcException passes through unchanged, exactly as a plain Nest handler
 * sends it.
 */
const THROWN: Record<string, () => RpcException> = {
  forbidden: () => new RpcException('Forbidden resource'),
  text: () => new RpcException('Quota exceeded for this month'),
  'forbidden, other case': () => new RpcException('forbidden resource'),
  'object with a code': () => new RpcException({ code: 'NOT_FOUND', message: 'no such order', extra: [1, 2] }),
  'object of its own': () => new RpcException({ custom: 'shape', kept: true }),
  'object saying Forbidden resource': () => new RpcException({ status: 'error', message: 'Forbidden resource' }),
};

@Controller()
class LibraryHandlers {
  @MessageHandler({ cmd: 'throw' })
  throw(data: { kind: string }): never {
    throw THROWN[data.kind]!();
  }
}

@Controller()
class PlainHandlers {
  @MessagePattern({ cmd: 'throw' })
  throw(data: { kind: string }): never {
    throw THROWN[data.kind]!();
  }
}

describe(`RpcException in a library handler (Nest ${nestMajor})`, () => {
  let library: RunningServer;
  let plainServer: RunningServer;
  let toLibrary: ClientProxy;
  let toPlain: ClientProxy;
  let client: MessagingClient;

  beforeAll(async () => {
    library = await startTcpServer([LibraryHandlers]);
    plainServer = await startTcpServer([PlainHandlers], { library: false });
    toLibrary = plainTcpClient(library.port);
    toPlain = plainTcpClient(plainServer.port);
    client = MessagingClient.wrap(
      ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: library.port, serializer: new MessagingClientSerializer() } }),
      'rpc-exceptions',
      { timeout: 3000 },
    );
  });
  afterAll(async () => {
    await client?.close();
    await client?.proxy.close();
    await toLibrary?.close();
    await toPlain?.close();
    await library?.close();
    await plainServer?.close();
  });

  const raw = (proxy: ClientProxy, kind: string) => firstValueFrom(proxy.send({ cmd: 'throw' }, { kind })).catch((e: unknown) => e);

  it("new RpcException('Forbidden resource') becomes PERMISSION_DENIED, not retryable", async () => {
    expect(await raw(toLibrary, 'forbidden')).toEqual({
      code: MessagingErrorCode.PERMISSION_DENIED,
      message: 'Forbidden resource',
      retryable: false,
      pattern: '{"cmd":"throw"}',
      correlationId: expect.any(String),
    });
    const err = await runWithMessageContext({ correlationId: 'rpc-forbidden' }, () =>
      client.request({ cmd: 'throw' }, { kind: 'forbidden' }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({
      code: MessagingErrorCode.PERMISSION_DENIED,
      retryable: false,
      remote: { code: 'PERMISSION_DENIED', message: 'Forbidden resource', correlationId: 'rpc-forbidden' },
    });
  });

  it.each(Object.keys(THROWN).filter((k) => k !== 'forbidden'))(
    'any other RpcException (%s) passes through unchanged: what a plain Nest handler sends',
    async (kind) => {
      const fromPlain = await raw(toPlain, kind);
      const fromLibrary = await raw(toLibrary, kind);
      expect(fromLibrary).toEqual(fromPlain);
      const error = THROWN[kind]!().getError();
      expect(fromLibrary).toEqual(typeof error === 'string' ? { status: 'error', message: error } : error);
    },
  );
});
