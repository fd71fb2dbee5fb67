import { ClientProxyFactory, Payload, RpcException, Transport } from '@nestjs/microservices';
import { concat, Observable, of, throwError } from 'rxjs';
import {
  MessageHandler,
  MessagingCircuitOpenError,
  MessagingClient,
  MessagingClientSerializer,
  MessagingConnectionError,
  MessagingError,
  MessagingErrorCode,
  MessagingRemoteError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
  type CallPolicy,
  type ClientResilienceOptions,
  type RetryEvent,
} from '../src';
import { Controller, nestMajor, startTcpServer, type RunningServer } from './support/nest';

/**
 * Claims of the README and docs/*.md about the client's retries, hooks,
 * circuit breaker and default budget, each proven against a real library
 * server over TCP (issue 17). Each test names the doc line it proves.
 */

/** How many times each handler ran, by name (a key for the flaky one). */
const runs = new Map<string, number>();
const ran = (name: string): number => {
  const n = (runs.get(name) ?? 0) + 1;
  runs.set(name, n);
  return n;
};
const runsOf = (name: string): number => runs.get(name) ?? 0;

const unavailable = () => new RpcException({ code: 'UNAVAILABLE', message: 'try later', retryable: true });

/** Answers never, until the suite ends. */
let releaseSilent: () => void = () => undefined;
const silent = new Promise<void>((resolve) => (releaseSilent = resolve));

@Controller()
class ClaimsController {
  @MessageHandler({ cmd: 'emit_then_fail' })
  emitThenFail(): Observable<string> {
    ran('emit_then_fail');
    return concat(of('first'), throwError(unavailable));
  }

  @MessageHandler({ cmd: 'overloaded' })
  overloaded(): never {
    ran('overloaded');
    throw unavailable();
  }

  @MessageHandler({ cmd: 'not_found' })
  notFound(): never {
    ran('not_found');
    throw new RpcException({ code: 'NOT_FOUND', message: 'no such thing', retryable: false });
  }

  /** Fails its first call for each key with a retryable error, then answers. */
  @MessageHandler({ cmd: 'flaky' })
  flaky(@Payload() data: { key: string }): string {
    if (ran(`flaky:${data.key}`) === 1) throw unavailable();
    return 'recovered';
  }

  @MessageHandler({ cmd: 'ok' })
  ok(): string {
    ran('ok');
    return 'ok';
  }

  @MessageHandler({ cmd: 'cap_a' })
  capA(): never {
    ran('cap_a');
    throw unavailable();
  }

  @MessageHandler({ cmd: 'cap_b' })
  capB(): never {
    ran('cap_b');
    throw unavailable();
  }

  @MessageHandler({ cmd: 'cap_c' })
  capC(): never {
    ran('cap_c');
    throw unavailable();
  }

  @MessageHandler({ cmd: 'silent' })
  async never(): Promise<string> {
    ran('silent');
    await silent;
    return 'too late';
  }
}

const FAST_RETRIES: CallPolicy = { timeout: 5000, idempotent: true, retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 5 } };

describe(`documented claims: retries, hooks, circuit breaker, default budget (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  const clients: MessagingClient[] = [];

  /** A MessagingClient over TCP to the suite's server. */
  function client(policy?: CallPolicy, resilience?: ClientResilienceOptions): MessagingClient {
    const proxy = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: server.port, serializer: new MessagingClientSerializer() },
    });
    const c = MessagingClient.wrap(proxy, 'claims', policy, { resilience });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startTcpServer([ClaimsController]);
  });
  afterAll(async () => {
    releaseSilent();
    for (const c of clients) {
      await c.close();
      await c.proxy.close();
    }
    await server?.close();
  });
  beforeEach(() => runs.clear());

  it('docs/resilience.md: a stream that has already emitted a value is never retried', async () => {
    const c = client(FAST_RETRIES);
    const values: unknown[] = [];
    const error = await new Promise<unknown>((resolve, reject) => {
      c.send({ cmd: 'emit_then_fail' }, {}).subscribe({
        next: (v) => values.push(v),
        error: resolve,
        complete: () => reject(new Error('completed instead of failing')),
      });
    });
    expect(values).toEqual(['first']);
    expect(error).toBeInstanceOf(MessagingRemoteError);
    expect(error).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
    expect(runsOf('emit_then_fail')).toBe(1);

    // the same policy does retry the same error when nothing was emitted (so the test above is not vacuous)
    await expect(c.request({ cmd: 'overloaded' }, {})).rejects.toBeInstanceOf(MessagingRetriesExhaustedError);
    expect(runsOf('overloaded')).toBe(3);
  });

  describe('docs/api.md: onGiveUp is called when a retried call fails for good', () => {
    it('docs/api.md: onGiveUp runs once, with the last attempt number and its error, when every attempt failed', async () => {
      const gaveUp: RetryEvent[] = [];
      const c = client({ ...FAST_RETRIES, onGiveUp: (e) => gaveUp.push(e) });
      const err = await c.request({ cmd: 'overloaded' }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingRetriesExhaustedError);
      expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE });
      expect(runsOf('overloaded')).toBe(3);
      expect(gaveUp).toHaveLength(1);
      expect(gaveUp[0]).toMatchObject({ client: 'claims', pattern: { cmd: 'overloaded' }, attempt: 3 });
      expect(gaveUp[0].error).toBeInstanceOf(MessagingRemoteError);
      expect(gaveUp[0].error).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
      expect((err as MessagingRetriesExhaustedError).correlationId).toBe(gaveUp[0].correlationId);
    });

    it('docs/api.md: onGiveUp is not called when the first attempt fails with a non-retryable error', async () => {
      const gaveUp: RetryEvent[] = [];
      const c = client({ ...FAST_RETRIES, onGiveUp: (e) => gaveUp.push(e) });
      await expect(c.request({ cmd: 'not_found' }, {})).rejects.toMatchObject({ code: MessagingErrorCode.NOT_FOUND });
      expect(runsOf('not_found')).toBe(1);
      expect(gaveUp).toEqual([]);
    });

    it('docs/api.md: onGiveUp is not called when a retry succeeds (onRetry is, once)', async () => {
      const gaveUp: RetryEvent[] = [];
      const retried: RetryEvent[] = [];
      const c = client({ ...FAST_RETRIES, onGiveUp: (e) => gaveUp.push(e), onRetry: (e) => retried.push(e) });
      await expect(c.request({ cmd: 'flaky' }, { key: 'give-up' })).resolves.toBe('recovered');
      expect(runsOf('flaky:give-up')).toBe(2);
      expect(retried).toHaveLength(1);
      expect(retried[0]).toMatchObject({ attempt: 1 });
      expect(gaveUp).toEqual([]);
    });
  });

  it('docs/resilience.md isolate(): an isolated circuit fails calls at once (isolated) until the returned function is called', async () => {
    const c = client({ timeout: 3000 }, { circuitBreaker: { consecutiveFailures: 5, halfOpenAfter: 60_000 } });
    await expect(c.request({ cmd: 'ok' }, {})).resolves.toBe('ok');
    const release = c.resilience!.breaker!.isolate();
    expect(c.resilience!.snapshot().circuit).toBe('isolated');
    for (let i = 0; i < 3; i++) {
      const err = await c.request({ cmd: 'ok' }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingCircuitOpenError);
      expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: false, isolated: true });
    }
    expect(runsOf('ok')).toBe(1); // refused calls never left the client

    release();
    expect(c.resilience!.snapshot().circuit).toBe('closed');
    await expect(c.request({ cmd: 'ok' }, {})).resolves.toBe('ok');
    expect(runsOf('ok')).toBe(2);
  });

  it('docs/resilience.md isolate(): a per-pattern breaker holds every pattern, those called after isolate() included', async () => {
    const c = client({ timeout: 3000 }, { circuitBreaker: { perPattern: true, halfOpenAfter: 60_000 } });
    await expect(c.request({ cmd: 'ok' }, {})).resolves.toBe('ok');
    const release = c.resilience!.breaker!.isolate();
    for (const pattern of [{ cmd: 'ok' }, { cmd: 'flaky' }]) {
      await expect(c.request(pattern, { key: 'isolated' })).rejects.toMatchObject({ name: 'MessagingCircuitOpenError', isolated: true });
    }
    expect(runsOf('ok')).toBe(1);
    expect(runsOf('flaky:isolated')).toBe(0);

    release();
    await expect(c.request({ cmd: 'ok' }, {})).resolves.toBe('ok');
    await expect(c.request({ cmd: 'not_found' }, {})).rejects.toMatchObject({ code: MessagingErrorCode.NOT_FOUND });
    expect(c.resilience!.snapshot()).toMatchObject({ circuit: 'closed', openPatterns: [] });
  });

  it('docs/resilience.md perPattern "at most 1000": the 1,001st pattern gets a circuit; the oldest closed one is dropped, open ones stay open', async () => {
    const c = client({ timeout: 3000 }, { circuitBreaker: { perPattern: true, consecutiveFailures: 2, halfOpenAfter: 60_000 } });
    const fails = (cmd: string) => c.request({ cmd }, {}).catch((e: unknown) => e);
    // A: created first, opened by two failures; B and C: one failure each (closed, one step from opening)
    for (let i = 0; i < 2; i++) expect(await fails('cap_a')).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
    expect(await fails('cap_b')).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
    expect(await fails('cap_c')).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
    expect(c.resilience!.snapshot().openPatterns).toEqual(['{"cmd":"cap_a"}']);

    // 997 more patterns fill the 1000 circuits; no handler serves them: answered UNIMPLEMENTED (an answer, not a failure)
    const filler = (n: number) => c.request({ cmd: 'cap_filler', n }, {}).catch((e: unknown) => e);
    for (let n = 1; n <= 997; n += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, 998 - n) }, (_, i) => filler(n + i)));
      expect(batch.every((e) => (e as MessagingRemoteError).code === MessagingErrorCode.UNIMPLEMENTED)).toBe(true);
    }

    // the 1,001st pattern: served as usual, through a circuit of its own
    expect(await filler(998)).toMatchObject({ code: MessagingErrorCode.UNIMPLEMENTED });

    // A's open circuit was kept: still failing fast, its handler not called again
    expect(await fails('cap_a')).toBeInstanceOf(MessagingCircuitOpenError);
    expect(runsOf('cap_a')).toBe(2);
    // C's circuit was kept: its second failure opens it
    await fails('cap_c');
    expect(await fails('cap_c')).toBeInstanceOf(MessagingCircuitOpenError);
    expect(runsOf('cap_c')).toBe(2);
    // B's (the oldest closed one) was dropped with its failure count: its second failure does not open it
    await fails('cap_b');
    expect(await fails('cap_b')).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE, retryable: true });
    expect(runsOf('cap_b')).toBe(3);
  });

  it('docs/resilience.md perPattern "at most 1000": when none of the 1000 circuits is closed, the 1,001st pattern replaces the oldest', async () => {
    // a port nothing listens on: every attempt fails (connection refused) and opens its pattern's circuit
    const dead = await startTcpServer([ClaimsController]);
    await dead.close();
    const proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: dead.port } });
    const c = MessagingClient.wrap(proxy, 'claims-dead', { timeout: 3000 }, {
      resilience: { circuitBreaker: { perPattern: true, consecutiveFailures: 1, halfOpenAfter: 60_000 } },
    });
    clients.push(c);
    const call = (n: number) => c.request({ cmd: 'dead', n }, {}).catch((e: unknown) => e as MessagingError);
    for (let n = 1; n <= 1000; n += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, i) => call(n + i)));
      expect(batch.every((e) => e instanceof MessagingConnectionError)).toBe(true);
    }
    expect(c.resilience!.snapshot().openPatterns).toHaveLength(1000);

    expect(await call(1001)).toBeInstanceOf(MessagingConnectionError); // the 1,001st: attempted, through a new circuit
    expect(await call(2)).toBeInstanceOf(MessagingCircuitOpenError); // still open
    expect(await call(1)).toBeInstanceOf(MessagingConnectionError); // the oldest was dropped: attempted again
  });

  it('README.md / docs/deadlines.md: a call with no timeout configured ends after the default 5 s budget with DEADLINE_EXCEEDED', async () => {
    const c = client(); // no policy at all: the library's defaults
    const started = Date.now();
    const err = await c.request({ cmd: 'silent' }, {}).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(MessagingTimeoutError);
    expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED, timeout: 5000 });
    expect(runsOf('silent')).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(4900);
    expect(elapsed).toBeLessThan(5000 + 2000); // a generous margin for a busy machine
  });
});
