import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import {
  MessagingCircuitOpenError,
  MessagingErrorCode,
  MessagingTimeoutError,
  runWithMessageContext,
  timeLeft,
  type RetryEvent,
} from '../../src';
import { MessagingTestHarness, TestClock } from '../../src/testing';
import { GetUser } from '../fixtures/users.contracts';
import { nestMajor } from '../support/nest';
import { seen, startGateway, startUsers, type Gateway } from './fixtures';

/**
 * Budgets, backoff, breakers and server deadlines on a fake clock: the kit's
 * TestClock, and jest's modern fake timers (Nest writes replies on the next
 * tick: leave nextTick and queueMicrotask real).
 */
const clocks: Array<[string, () => { advance(ms: number): Promise<void>; now(): number; uninstall(): void }]> = [
  ['the kit\'s TestClock', () => TestClock.install()],
  [
    "jest's modern fake timers",
    () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
      return {
        advance: async (ms) => void (await jest.advanceTimersByTimeAsync(ms)),
        now: () => Date.now(),
        uninstall: () => jest.useRealTimers(),
      };
    },
  ],
];

describe.each(clocks)(`test kit: time on %s (Nest ${nestMajor})`, (_, install) => {
  const harness = new MessagingTestHarness();
  let users: INestMicroservice;
  let app: INestApplicationContext;
  let gateway: Gateway;
  let clock: ReturnType<typeof install>;

  beforeAll(async () => {
    users = await startUsers(harness);
    ({ app, gateway } = await startGateway(harness, 'users', { timeout: 60_000 }));
  });
  afterAll(async () => {
    await app.close();
    await users.close();
    harness.close();
  });
  beforeEach(() => {
    seen.reset();
    harness.recorder.clear();
    clock = install();
  });
  afterEach(() => clock.uninstall());

  it('runs a 30 s budget in milliseconds: the caller times out, then the server ends the handler at its deadline', async () => {
    const started = performance.now();
    const call = gateway.profile(9, { timeout: 30_000 }).catch((e: unknown) => e);
    await clock.advance(29_999);
    expect(harness.sent(GetUser)[0]!.outcome.status).toBe('pending');
    await clock.advance(1);
    const err = (await call) as MessagingTimeoutError;
    expect(err).toBeInstanceOf(MessagingTimeoutError);
    expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED, timeout: 30_000, elapsed: 30_000, attempts: 1 });
    expect(harness.sent(GetUser)[0]!.outcome).toEqual({ status: 'cancelled' });
    // The handler's deadline (the budget it received, on the server's clock) ends it a wheel slot later.
    await clock.advance(16);
    expect(harness.received(GetUser)[0]!.outcome).toMatchObject({ status: 'error', error: { code: 'DEADLINE_EXCEEDED' } });
    expect(seen.requests[0]!.meta.timeoutMs).toBe(30_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(30_000);
  });

  it('spaces retries by the backoff the policy reported, on the fake clock', async () => {
    harness.fault(GetUser).failNext(2, MessagingErrorCode.UNAVAILABLE);
    const delays: number[] = [];
    const call = gateway.profile(1, {
      idempotent: true,
      retry: { maxAttempts: 3, baseDelay: 1000, maxDelay: 5000 },
      onRetry: (e: RetryEvent) => delays.push(e.delay!),
    });
    await clock.advance(10_000);
    expect(await call).toEqual({ id: 1, name: 'user-1' });
    const at = harness.sent(GetUser).map((m) => m.at);
    expect(at).toHaveLength(3);
    expect([at[1]! - at[0]!, at[2]! - at[1]!]).toEqual(delays);
  });

  it('opens the circuit after two failures, fails fast while open, and closes after a trial once halfOpenAfter passed', async () => {
    const breaker = await startGateway(harness, 'users', { timeout: 1000 }, { circuitBreaker: { consecutiveFailures: 2, halfOpenAfter: 10_000 } });
    try {
      const { gateway: guarded } = breaker;
      harness.fault(GetUser).failNext(2, MessagingErrorCode.UNAVAILABLE);
      for (let i = 0; i < 2; i++) await expect(guarded.profile(1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(guarded.users.resilience!.snapshot().circuit).toBe('open');
      await expect(guarded.profile(1)).rejects.toBeInstanceOf(MessagingCircuitOpenError);
      expect(harness.sent(GetUser)).toHaveLength(2);
      await clock.advance(9_999);
      await expect(guarded.profile(1)).rejects.toBeInstanceOf(MessagingCircuitOpenError);
      await clock.advance(1);
      expect(await guarded.profile(1)).toEqual({ id: 1, name: 'user-1' });
      await clock.advance(0); // cockatiel closes the circuit once the trial's promise settled (a microtask later)
      expect(guarded.users.resilience!.snapshot().circuit).toBe('closed');
    } finally {
      await breaker.app.close();
    }
  });

  it('counts a context deadline down on the fake clock', async () => {
    await runWithMessageContext({ timeout: 5000 }, async () => {
      await clock.advance(4000);
      expect(timeLeft()).toBe(1000);
      const user = await gateway.profile(2);
      expect(user).toEqual({ id: 2, name: 'user-2' });
      expect(seen.requests[0]!.meta.timeoutMs).toBe(1000);
    });
  });
});
