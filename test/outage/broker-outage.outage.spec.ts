import { Controller, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MessagePattern, Payload, type ClientOptions } from '@nestjs/microservices';
import { NEVER } from 'rxjs';
import {
  getMessagingClientToken,
  MessagingClient,
  MessagingConnectionError,
  MessagingModule,
  MessagingTimeoutError,
} from '../../src';
import { startBroker, stopBroker } from '../support/broker-control';
import { describeWithBroker, type BrokerName } from '../support/brokers';
import { nestMajor, waitFor } from '../support/nest';
import { endpoint, nestOptions, startServer, uniqueName, type Endpoint, type TransportName } from '../support/transports';

/**
 * Stops a real broker during a run: calls fail with a typed error within their
 * budget (none hangs), and once the broker is back the same client and server
 * work again without a restart. Runs in its own jest config, in band, after the
 * other suites (npm run test:outage), and always restarts the broker.
 */
const CASES: Array<{ transport: TransportName; broker: BrokerName; recovery: number }> = [
  { transport: 'nats', broker: 'nats', recovery: 30_000 },
  { transport: 'redis', broker: 'redis', recovery: 30_000 },
  { transport: 'rmq', broker: 'rabbitmq', recovery: 60_000 },
];

/** Options that make the Nest clients and servers reconnect (Redis does not unless told). */
function withReconnect(ep: Endpoint): ClientOptions {
  const base = nestOptions(ep) as ClientOptions & { options: Record<string, unknown> };
  if (ep.transport === 'redis') return { ...base, options: { ...base.options, retryAttempts: 100, retryDelay: 250 } } as ClientOptions;
  if (ep.transport === 'nats') return { ...base, options: { ...base.options, maxReconnectAttempts: -1, reconnectTimeWait: 250 } } as ClientOptions;
  return base;
}

describe.each(CASES)(`broker outage: $broker (Nest ${nestMajor})`, ({ transport, broker, recovery }) => {
  describeWithBroker(broker, `${broker} stopped and started during a run (Nest ${nestMajor})`, () => {
    const ns = uniqueName(transport);

    @Controller()
    class Handlers {
      @MessagePattern({ cmd: 'echo', ns })
      echo(@Payload() data: unknown) {
        return data;
      }

      @MessagePattern({ cmd: 'hang', ns })
      hang() {
        return NEVER;
      }
    }

    let ep: Endpoint;
    let server: INestMicroservice;
    let app: INestApplicationContext;
    let client: MessagingClient;

    beforeAll(async () => {
      ep = await endpoint(transport);
      const opts = withReconnect(ep);
      server = await startServer(ep, [Handlers], { nest: opts as never, server: { rmq: { deadLetterQueue: false } } });
      app = await Test.createTestingModule({
        imports: [MessagingModule.forRoot({ defaults: { timeout: 2000 }, clients: [{ name: 'svc', ...opts }] })],
      }).compile();
      await app.init();
      client = app.get<MessagingClient>(getMessagingClientToken('svc'));
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await server?.close();
    });

    it('fails calls with a typed error within their budget, and recovers without a restart', async () => {
      expect(await client.request({ cmd: 'echo', ns }, { before: true })).toEqual({ before: true });
      const pending = client.request({ cmd: 'hang', ns }, {}, { timeout: 3000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      try {
        await stopBroker(broker);
        // a call pending when the broker went away ends within its budget, typed
        const pendingErr = (await pending) as Error;
        expect({ name: pendingErr.constructor.name, message: pendingErr.message }).toEqual({
          name: expect.stringMatching(/^(MessagingConnectionError|MessagingTimeoutError)$/),
          message: expect.any(String),
        });
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          const err = await client.request({ cmd: 'echo', ns }, { during: i }, { timeout: 1500 }).catch((e: unknown) => e);
          const elapsed = performance.now() - started;
          expect([MessagingConnectionError.name, MessagingTimeoutError.name]).toContain((err as Error).constructor.name);
          expect((err as { code: string }).code).toMatch(/^(UNAVAILABLE|DEADLINE_EXCEEDED)$/);
          expect(elapsed).toBeLessThan(1500 + 500);
        }
      } finally {
        startBroker(broker);
      }
      let reply: unknown;
      await waitFor(
        async () => {
          reply = await client.request({ cmd: 'echo', ns }, { after: true }, { timeout: 1000 }).catch(() => undefined);
          return reply !== undefined;
        },
        recovery,
        `a call to succeed after ${broker} restarted`,
      );
      expect(reply).toEqual({ after: true });
    }, 180_000);
  });
});
