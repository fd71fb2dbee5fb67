import type { Socket } from 'node:net';
import { Test } from '@nestjs/testing';
import { ClientProxyFactory, Payload, RpcException, Transport } from '@nestjs/microservices';
import { getMessagingClientToken, MessageHandler, MessagingCircuitOpenError, MessagingClient, MessagingClientSerializer, MessagingError, MessagingModule, MessagingTimeoutError } from '../src';
import { FreezingTcpProxy } from './support/freezing-proxy';
import { Controller, nestMajor, startTcpServer, waitFor, type RunningServer } from './support/nest';
import { type MessagingClientBase } from '../src/extend';

@Controller()
class LinkController {
  @MessageHandler({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }

  @MessageHandler({ cmd: 'slow' })
  async slow(@Payload() data: { ms: number }) {
    await new Promise((r) => setTimeout(r, data.ms));
    return 'late';
  }

  @MessageHandler({ cmd: 'overloaded' })
  overloaded() {
    throw new RpcException({ code: 'UNAVAILABLE', message: 'try later', retryable: true });
  }
}

/** The error a call failed with (undefined when it succeeded). */
async function outcome(p: Promise<unknown>): Promise<MessagingError | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof MessagingError) return err;
    throw err;
  }
}

describe(`Half-open TCP connections (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  let proxy: FreezingTcpProxy;
  let port: number;
  const closers: Array<() => Promise<unknown> | unknown> = [];

  beforeAll(async () => {
    server = await startTcpServer([LinkController]);
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    proxy = new FreezingTcpProxy(server.port);
    port = await proxy.start();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await proxy.stop();
  });

  async function moduleClient(def: Partial<MessagingClientBase>): Promise<MessagingClient> {
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, ...def }] })],
    }).compile();
    await moduleRef.init();
    closers.push(() => moduleRef.close());
    return moduleRef.get<MessagingClient>(getMessagingClientToken('svc'));
  }

  it('a circuit that opens over a silent connection drops it: the half-open trial goes over a fresh one', async () => {
    // The breaker (3 failures) acts before the watchdog's own threshold (5).
    const client = await moduleClient({
      policy: { timeout: 300 },
      resilience: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: 200 } },
      tcp: { deadAfterTimeouts: 5 },
    });
    await client.request({ cmd: 'echo' }, { n: 0 });
    proxy.freeze();
    for (let i = 0; i < 3; i++) expect(await outcome(client.request({ cmd: 'echo' }, { n: i }))).toBeInstanceOf(MessagingTimeoutError);
    await waitFor(() => client.resilience!.snapshot().circuit === 'open', 2000, 'the circuit to open');
    expect(proxy.accepted).toBe(1);
    // Calls fail fast while the circuit is open (no connection is dialled for them); the first one let through is the trial.
    let refused = 0;
    await waitFor(
      async () => {
        const err = await outcome(client.request({ cmd: 'echo' }, { n: 1 }));
        if (err instanceof MessagingCircuitOpenError) {
          refused++;
          return false;
        }
        if (err) throw err;
        return true;
      },
      5000,
      'the trial call to succeed',
    );
    expect(refused).toBeGreaterThan(0);
    expect(proxy.accepted).toBe(2);
    expect(client.resilience!.snapshot().circuit).toBe('closed');
  });

  it('MessagingClient.wrap() watches a ClientTCP built elsewhere (Nest\'s own socket class) with tcp.deadAfterTimeouts', async () => {
    const nestProxy = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port, serializer: new MessagingClientSerializer() },
    });
    closers.push(() => nestProxy.close());
    const client = MessagingClient.wrap(nestProxy, 'wrapped', { timeout: 300 }, { tcp: { deadAfterTimeouts: 1 } });
    closers.push(() => client.close());
    await client.request({ cmd: 'echo' }, { n: 0 });
    proxy.freeze();
    expect(await outcome(client.request({ cmd: 'echo' }, { n: 1 }))).toBeInstanceOf(MessagingTimeoutError);
    await waitFor(async () => (await outcome(client.request({ cmd: 'echo' }, { n: 2 }))) === undefined, 3000, 'a call to succeed again');
    expect(proxy.accepted).toBe(2);
  });

  it('keeps a connection on which calls time out while replies still arrive (a slow handler is not a dead link)', async () => {
    const client = await moduleClient({ policy: { timeout: 150 } });
    for (let i = 0; i < 4; i++) {
      expect(await outcome(client.request({ cmd: 'slow' }, { ms: 400 }))).toBeInstanceOf(MessagingTimeoutError);
      await expect(client.request({ cmd: 'echo' }, { n: i })).resolves.toEqual({ n: i });
    }
    expect(proxy.accepted).toBe(1);
  });

  it('keeps the connection when the circuit opens on answers (retryable remote errors), not on silence', async () => {
    const client = await moduleClient({ resilience: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: 60_000 } } });
    for (let i = 0; i < 3; i++) expect((await outcome(client.request({ cmd: 'overloaded' }, {})))?.code).toBe('UNAVAILABLE');
    await waitFor(() => client.resilience!.snapshot().circuit === 'open', 2000, 'the circuit to open');
    // The watchdog runs when the circuit opens (synchronously with it): the socket is still the live one.
    expect(client.proxy.unwrap<Socket>().destroyed).toBe(false);
    expect(proxy.accepted).toBe(1);
  });
});
