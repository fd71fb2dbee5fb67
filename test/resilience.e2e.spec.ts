import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Payload, RpcException, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  getMessagingClientToken,
  MessageHandler,
  MessagingBulkheadRejectedError,
  MessagingCircuitOpenError,
  MessagingClient,
  MessagingConfigurationError,
  MessagingConnectionError,
  MessagingErrorCode,
  MessagingModule,
  MessagingPayloadTooLargeError,
  MessagingRemoteError,
  MessagingTimeoutError,
  type MessagingClientDefinition,
} from '../src';
import { Controller, nestMajor, pendingRequests, startTcpServer, waitFor, type RunningServer } from './support/nest';

let slowCalls = 0;
let seenPayloads = 0;

@Controller()
class ResilienceController {
  @MessageHandler({ cmd: 'ok' })
  ok(@Payload() data: unknown) {
    seenPayloads++;
    return data;
  }

  @MessageHandler({ cmd: 'slow' })
  async slow(@Payload() data: { ms: number }) {
    slowCalls++;
    await new Promise((r) => setTimeout(r, data.ms));
    return 'done';
  }

  @MessageHandler({ cmd: 'overloaded' })
  overloaded() {
    throw new RpcException({ code: 'UNAVAILABLE', message: 'try later', retryable: true });
  }

  @MessageHandler({ cmd: 'not_found' })
  notFound() {
    throw new RpcException({ code: 'NOT_FOUND', message: 'no such thing', retryable: false });
  }
}

type Extra = Omit<MessagingClientDefinition, 'name' | 'transport' | 'options' | 'proxy' | 'useExisting'>;

async function clientFor(port: number, extra: Extra): Promise<{ ctx: INestApplicationContext; client: MessagingClient }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRoot({
        clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, ...extra }],
      }),
    ],
  }).compile();
  await moduleRef.init();
  return { ctx: moduleRef, client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')) };
}

/** A port nothing listens on (a server was there a moment ago). */
async function deadPort(): Promise<number> {
  const s = await startTcpServer([ResilienceController]);
  await s.close();
  return s.port;
}

describe(`Circuit breaker (Nest ${nestMajor})`, () => {
  it('opens after consecutive connection failures, fails fast with a typed error, half-opens and closes again', async () => {
    const port = await deadPort();
    const { ctx, client } = await clientFor(port, {
      resilience: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: 400 } },
    });
    try {
      for (let i = 0; i < 3; i++) {
        await expect(client.request({ cmd: 'ok' }, {})).rejects.toBeInstanceOf(MessagingConnectionError);
      }
      expect(client.resilience!.snapshot().circuit).toBe('open');
      const started = performance.now();
      const err = (await client.request({ cmd: 'ok' }, {}).catch((e: unknown) => e)) as MessagingCircuitOpenError;
      expect(performance.now() - started).toBeLessThan(150);
      expect(err).toBeInstanceOf(MessagingCircuitOpenError);
      expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: false, client: 'svc', pattern: { cmd: 'ok' } });
      expect(err.retryAfter).toBeGreaterThan(0);
      expect(err.retryAfter).toBeLessThanOrEqual(400);
      expect(err.message).toMatch(/circuit breaker is open/);
      // Events fail fast too.
      await expect(lastValueFrom(client.emit({ cmd: 'ev' }, {}))).rejects.toBeInstanceOf(MessagingCircuitOpenError);

      const server = await startTcpServer([ResilienceController], { port });
      try {
        await waitFor(async () => (await client.request({ cmd: 'ok' }, { back: 1 }).catch(() => undefined)) !== undefined, 3000, 'the trial call');
        expect(client.resilience!.snapshot().circuit).toBe('closed');
        await expect(client.request({ cmd: 'ok' }, { n: 2 })).resolves.toEqual({ n: 2 });
      } finally {
        await server.close();
      }
    } finally {
      await ctx.close();
    }
  });

  describe('against a live server', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startTcpServer([ResilienceController]);
    });
    afterAll(() => server.close());

    it('counts business errors as answers (they never open it), retryable remote errors as failures', async () => {
      const { ctx, client } = await clientFor(server.port, {
        resilience: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfter: 10_000 } },
      });
      try {
        for (let i = 0; i < 5; i++) await expect(client.request({ cmd: 'not_found' }, {})).rejects.toBeInstanceOf(MessagingRemoteError);
        expect(client.resilience!.snapshot().circuit).toBe('closed');
        for (let i = 0; i < 2; i++) await expect(client.request({ cmd: 'overloaded' }, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
        await expect(client.request({ cmd: 'ok' }, {})).rejects.toBeInstanceOf(MessagingCircuitOpenError);
      } finally {
        await ctx.close();
      }
    });

    it('per pattern: a failing pattern opens its own circuit only', async () => {
      const { ctx, client } = await clientFor(server.port, {
        resilience: { circuitBreaker: { perPattern: true, failureRate: { threshold: 0.5, window: 5000, minimumAttempts: 4 } } },
      });
      try {
        for (let i = 0; i < 6; i++) await client.request({ cmd: 'overloaded' }, {}).catch(() => undefined);
        await expect(client.request({ cmd: 'overloaded' }, {})).rejects.toBeInstanceOf(MessagingCircuitOpenError);
        await expect(client.request({ cmd: 'ok' }, { fine: true })).resolves.toEqual({ fine: true });
        expect(client.resilience!.breaker!.state({ cmd: 'overloaded' })).toBe('open');
        expect(client.resilience!.breaker!.state({ cmd: 'ok' })).toBe('closed');
        expect(client.resilience!.snapshot()).toMatchObject({ circuit: 'open', openPatterns: ['{"cmd":"overloaded"}'] });
      } finally {
        await ctx.close();
      }
    });

    it('stops an idempotent call retrying once the circuit opens', async () => {
      const { ctx, client } = await clientFor(server.port, {
        policy: { idempotent: true, retry: { maxAttempts: 10, baseDelay: 1, maxDelay: 5 } },
        resilience: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: 10_000 } },
      });
      try {
        const err = await client.request({ cmd: 'overloaded' }, {}).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MessagingCircuitOpenError);
      } finally {
        await ctx.close();
      }
    });
  });
});

describe(`Bulkhead (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTcpServer([ResilienceController]);
  });
  afterAll(() => server.close());

  it('runs maxConcurrent calls, queues maxQueued, refuses the rest at once with a typed error', async () => {
    const { ctx, client } = await clientFor(server.port, { resilience: { bulkhead: { maxConcurrent: 2, maxQueued: 1 } } });
    try {
      slowCalls = 0;
      const calls = [1, 2, 3].map(() => client.request({ cmd: 'slow' }, { ms: 300 }));
      expect(client.resilience!.snapshot()).toMatchObject({ inFlight: 2, queued: 1 });
      const started = performance.now();
      const err = await client.request({ cmd: 'slow' }, { ms: 300 }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(150);
      expect(err).toBeInstanceOf(MessagingBulkheadRejectedError);
      expect(err).toMatchObject({ code: MessagingErrorCode.RESOURCE_EXHAUSTED, retryable: false, client: 'svc', maxConcurrent: 2, maxQueued: 1 });
      expect(await Promise.all(calls)).toEqual(['done', 'done', 'done']);
      expect(slowCalls).toBe(3);
      expect(client.resilience!.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
    } finally {
      await ctx.close();
    }
  });

  it('counts the wait in the queue against the budget and frees the place when it runs out', async () => {
    const { ctx, client } = await clientFor(server.port, { resilience: { bulkhead: { maxConcurrent: 1, maxQueued: 1 } } });
    try {
      const first = client.request({ cmd: 'slow' }, { ms: 300 });
      const queued = await client.request({ cmd: 'slow' }, { ms: 1 }, { timeout: 100 }).catch((e: unknown) => e);
      expect(queued).toBeInstanceOf(MessagingTimeoutError);
      expect(client.resilience!.snapshot()).toMatchObject({ inFlight: 1, queued: 0 });
      const next = client.request({ cmd: 'ok' }, { after: true });
      await expect(first).resolves.toBe('done');
      await expect(next).resolves.toEqual({ after: true });
      expect(pendingRequests(client.proxy)).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('fails queued calls with MessagingClientClosedError when the client closes', async () => {
    const { ctx, client } = await clientFor(server.port, { resilience: { bulkhead: { maxConcurrent: 1, maxQueued: 5 } } });
    const first = client.request({ cmd: 'slow' }, { ms: 200 }).catch((e: unknown) => e);
    const queued = client.request({ cmd: 'ok' }, {}).catch((e: unknown) => e);
    await ctx.close();
    expect(await queued).toMatchObject({ code: MessagingErrorCode.CANCELLED });
    expect(await first).toMatchObject({ code: MessagingErrorCode.CANCELLED });
  });
});

describe(`Retry budget and payload size (Nest ${nestMajor})`, () => {
  it('caps retries across calls while the peer keeps failing', async () => {
    const port = await deadPort();
    let retries = 0;
    const { ctx, client } = await clientFor(port, {
      policy: { idempotent: true, retry: { maxAttempts: 5, baseDelay: 1, maxDelay: 2 }, onRetry: () => retries++ },
      resilience: { retryBudget: { maxTokens: 4, tokenRatio: 0.1 } },
    });
    try {
      for (let i = 0; i < 5; i++) await expect(client.request({ cmd: 'ok' }, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      // Without the budget: 4 retries per call, 20 in all. With it: tokens 4 -> 3 (retry) -> 2 (no more).
      expect(retries).toBe(1);
      expect(client.resilience!.snapshot().retryTokens).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('refuses a payload over the client maxPayloadSize before sending it', async () => {
    const server = await startTcpServer([ResilienceController]);
    const { ctx, client } = await clientFor(server.port, { policy: { maxPayloadSize: 1024 } });
    try {
      seenPayloads = 0;
      const err = await client.request({ cmd: 'ok' }, { text: 'x'.repeat(2000) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingPayloadTooLargeError);
      expect(err).toMatchObject({ code: MessagingErrorCode.RESOURCE_EXHAUSTED, retryable: false, size: 2011, limit: 1024 });
      expect((err as Error).message).toMatch(/2011 bytes of JSON, above the client's limit of 1024 bytes/);
      expect(seenPayloads).toBe(0);
      // Bytes, not characters: 500 two-byte characters are 1000 bytes.
      await expect(client.request({ cmd: 'ok' }, { t: 'é'.repeat(600) })).rejects.toBeInstanceOf(MessagingPayloadTooLargeError);
      await expect(client.request({ cmd: 'ok' }, { t: 'é'.repeat(400) }, { maxPayloadSize: false })).resolves.toBeDefined();
    } finally {
      await ctx.close();
      await server.close();
    }
  });

  it('checks resilience options when the module is built, saying what to do', () => {
    const build = () =>
      MessagingModule.forRoot({
        clients: [
          {
            name: 'bad',
            transport: Transport.TCP,
            policy: { maxPayloadSize: -1 },
            resilience: {
              circuitBreaker: { consecutiveFailures: 0, failureRate: { threshold: 2 }, halfOpenAfter: -5 },
              bulkhead: { maxConcurrent: 0, maxQueued: -1 },
              retryBudget: { tokenRatio: 3 },
            },
          },
        ],
      });
    expect(build).toThrow(MessagingConfigurationError);
    const message = (() => {
      try {
        build();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const part of [
      "client 'bad' has maxPayloadSize -1: give a whole number of bytes > 0",
      'has both consecutiveFailures and failureRate: give one of them',
      'consecutiveFailures is 0: give a whole number >= 1',
      'failureRate.threshold is 2: give a share above 0 and at most 1',
      'halfOpenAfter is -5: give a positive number of milliseconds',
      'bulkhead.maxConcurrent is 0: give a whole number >= 1',
      'bulkhead.maxQueued is -1: give a whole number >= 0',
      'retryBudget.tokenRatio is 3: give a number above 0 and at most 1',
    ]) {
      expect(message).toContain(part);
    }
  });
});
