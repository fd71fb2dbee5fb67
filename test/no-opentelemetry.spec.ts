import type * as Library from '../src';
import { nestMajor } from './support/nest';

/**
 * Proves that the library's main entry never loads @opentelemetry/api: with the
 * package made unloadable, a whole round trip (client, handler decorators,
 * contracts) still works.
 */
describe(`without @opentelemetry/api (Nest ${nestMajor})`, () => {
  it('loads and serves a round trip without touching it', async () => {
    let attempted = 0;
    jest.resetModules();
    jest.doMock('@opentelemetry/api', () => {
      attempted++;
      throw new Error("Cannot find module '@opentelemetry/api'");
    });
    const lib = jest.requireActual<typeof Library>('../src');
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
      const reply = await lib.runWithMessageContext({ correlationId: 'no-otel' }, () => client.request({ cmd: 'ping' }, {}));
      expect(reply).toEqual({ pong: 'no-otel' });
      expect(attempted).toBe(0);
    } finally {
      await client.close();
      await client.proxy.close();
      await server.close();
      jest.dontMock('@opentelemetry/api');
    }
  });
});
