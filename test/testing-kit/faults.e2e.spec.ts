import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import {
  MessagingConnectionError,
  MessagingErrorCode,
  MessagingRemoteError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
} from '../../src';
import { MessagingTestHarness, TestClock } from '../../src/testing';
import { GetUser, UserCreated } from '../fixtures/users.contracts';
import { nestMajor } from '../support/nest';
import { seen, startGateway, startUsers, type Gateway } from './fixtures';

describe(`test kit: fault injection (Nest ${nestMajor})`, () => {
  const harness = new MessagingTestHarness();
  let users: INestMicroservice;
  let app: INestApplicationContext;
  let gateway: Gateway;
  const retrying = { idempotent: true, timeout: 5000, retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2 } };

  beforeAll(async () => {
    users = await startUsers(harness);
    ({ app, gateway } = await startGateway(harness));
  });
  afterAll(async () => {
    await app.close();
    await users.close();
    harness.close();
  });
  beforeEach(() => {
    seen.reset();
    harness.reset();
    harness.override(app, 'users').routeTo('users');
  });

  it('fails the next N requests with a code, as the server would answer: retried when retryable and idempotent', async () => {
    const fault = harness.fault(GetUser).failNext(2, MessagingErrorCode.UNAVAILABLE);
    expect(await gateway.profile(1, retrying)).toEqual({ id: 1, name: 'user-1' });
    expect(fault).toMatchObject({ hits: 2, active: false });
    expect(harness.sent(GetUser).map((m) => [m.metadata?.attempt, m.outcome.status])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'ok'],
    ]);
    expect(seen.requests.map((r) => r.meta.attempt)).toEqual([3]);

    harness.fault(GetUser).failNext(1, MessagingErrorCode.NOT_FOUND, { message: 'no such user' });
    const err = await gateway.profile(2, retrying).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, remote: { message: 'no such user', pattern: '{"cmd":"get_user"}' } });
    expect(harness.sent(GetUser)).toHaveLength(4);
  });

  it('breaks the connection under the next N messages: connection errors, then exhausted retries', async () => {
    harness.fault().fromClient('users').disconnectNext(5);
    const err = await gateway.profile(1, retrying).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRetriesExhaustedError);
    (err as MessagingRetriesExhaustedError).attemptErrors.forEach((e) => expect(e).toBeInstanceOf(MessagingConnectionError));
    await expect(gateway.signup(3)).rejects.toBeInstanceOf(MessagingConnectionError);
    expect(harness.emitted(UserCreated)[0]!.outcome).toMatchObject({ status: 'error' });
    expect(harness.received(GetUser)).toHaveLength(0);
  });

  it('scopes faults by pattern, client, endpoint and kind', async () => {
    harness.fault().fromClient('someone-else').disconnectNext(10);
    harness.fault({ cmd: 'other' }).disconnectNext(10);
    harness.fault().toEndpoint('elsewhere').disconnectNext(10);
    harness.fault(GetUser).ofKind('event').disconnectNext(10);
    expect(await gateway.profile(4)).toEqual({ id: 4, name: 'user-4' });
    const fault = harness.fault({ cmd: 'get_user' }).fromClient('users').toEndpoint('users').ofKind('request').disconnectNext(1);
    await expect(gateway.profile(4)).rejects.toBeInstanceOf(MessagingConnectionError);
    expect(fault).toMatchObject({ hits: 1, active: false, scope: { client: 'users', endpoint: 'users', kind: 'request' } });
    expect(await gateway.profile(4)).toEqual({ id: 4, name: 'user-4' });
    expect(harness.sent({ cmd: 'get_user' })).toEqual(harness.sent(GetUser));
  });

  it('duplicates an event: dedupe drops the copy, both deliveries are recorded', async () => {
    harness.fault(UserCreated).duplicate(1);
    await gateway.signup(5);
    await harness.waitFor('consumed', UserCreated, { count: 2 });
    expect(harness.consumed(UserCreated).map((m) => m.outcome.status)).toEqual(['ok', 'ok']);
    expect(seen.events.map((e) => e.id)).toEqual([5]);
  });

  it('duplicates a request: handled twice, one reply reaches the caller', async () => {
    harness.fault(GetUser).duplicate();
    expect(await gateway.profile(6)).toEqual({ id: 6, name: 'user-6' });
    await harness.waitFor('received', GetUser, { count: 2 });
    expect(seen.requests.map((r) => r.meta.messageId)).toEqual([harness.sent(GetUser)[0]!.metadata!.messageId, harness.sent(GetUser)[0]!.metadata!.messageId]);
  });

  it('reorders a batch of messages: the last sent arrives first', async () => {
    harness.fault(UserCreated).reorder(3);
    for (const id of [11, 12, 13]) await gateway.signup(id);
    await harness.waitFor('consumed', UserCreated, { count: 3 });
    expect(seen.events.map((e) => e.id)).toEqual([13, 12, 11]);
  });

  it('delays and drops messages on the fake clock: a budget ends what arrives too late or never', async () => {
    const clock = TestClock.install();
    try {
      harness.fault(GetUser).delay(500, 1);
      const late = gateway.profile(1, { timeout: 300 }).catch((e: unknown) => e);
      await clock.advance(300);
      expect(await late).toBeInstanceOf(MessagingTimeoutError);
      await clock.advance(200);
      expect(harness.received(GetUser)).toHaveLength(1); // it did arrive, after its caller gave up

      harness.fault(GetUser).delay(500, 1);
      const slow = gateway.profile(2, { timeout: 1000 });
      await clock.advance(500);
      expect(await slow).toEqual({ id: 2, name: 'user-2' });

      harness.fault(UserCreated).drop(1);
      await gateway.signup(7);
      harness.fault(GetUser).drop();
      const lost = gateway.profile(3, { timeout: 30_000 }).catch((e: unknown) => e);
      await clock.advance(30_000);
      expect(await lost).toMatchObject({ name: 'MessagingTimeoutError', timeout: 30_000 });
      expect(harness.sent(GetUser).at(-1)!.outcome).toEqual({ status: 'dropped', reason: 'dropped by an injected fault' });
      expect(harness.emitted(UserCreated)[0]!.outcome).toMatchObject({ status: 'dropped' });
      expect(seen.events).toEqual([]);
    } finally {
      clock.uninstall();
    }
  });

  it('lets a plain ClientProxy of the harness go through the same faults', async () => {
    harness.fault('plain_ping').failNext(1, MessagingErrorCode.RESOURCE_EXHAUSTED);
    const plain = harness.proxy('users');
    await expect(firstValueFrom(plain.send('plain_ping', {}))).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true });
    await expect(firstValueFrom(plain.send('plain_ping', {}))).rejects.toBe('There is no matching message handler defined in the remote service.');
  });
});
