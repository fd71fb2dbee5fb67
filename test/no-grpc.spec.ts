import type * as Library from '../src';
import type * as GrpcEntry from '../src/grpc';
import { nestMajor } from './support/nest';

/**
 * Proves that @grpc/grpc-js is loaded only by gRPC itself: with the package
 * made unloadable, the main entry serves a TCP round trip, and even the
 * `nestjs-messaging/grpc` entry loads (its first gRPC call or server would need it).
 */
describe(`without @grpc/grpc-js (Nest ${nestMajor})`, () => {
  it('loads both entries and serves a round trip without touching it', async () => {
    let attempted = 0;
    jest.resetModules();
    jest.doMock('@grpc/grpc-js', () => {
      attempted++;
      throw new Error("Cannot find module '@grpc/grpc-js'");
    });
    const lib = jest.requireActual<typeof Library>('../src');
    const grpcEntry = jest.requireActual<typeof GrpcEntry>('../src/grpc');
    const { startTcpServer } = jest.requireActual<typeof import('./support/nest')>('./support/nest');
    const { Controller } = jest.requireActual<typeof import('@nestjs/common')>('@nestjs/common');
    const { ClientProxyFactory, Transport } = jest.requireActual<typeof import('@nestjs/microservices')>('@nestjs/microservices');

    @Controller()
    class Ping {
      @lib.MessageHandler({ cmd: 'ping' })
      ping() {
        return { pong: lib.getMessageContext()?.correlationId };
      }
    }
    const server = await startTcpServer([Ping]);
    const client = lib.MessagingClient.wrap(
      ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: server.port, serializer: new lib.MessagingClientSerializer() },
      }),
      'ping',
    );
    try {
      const reply = await lib.runWithMessageContext({ correlationId: 'no-grpc' }, () => client.request({ cmd: 'ping' }, {}));
      expect(reply).toEqual({ pong: 'no-grpc' });
      expect(typeof grpcEntry.MessagingGrpcClient.wrap).toBe('function');
      expect(grpcEntry.grpcStatusOf('NOT_FOUND')).toBe(5);
      expect(attempted).toBe(0);
    } finally {
      await client.close();
      await client.proxy.close();
      await server.close();
      jest.dontMock('@grpc/grpc-js');
    }
  });
});
