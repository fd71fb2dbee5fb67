/*
 * The hybrid example's own test, with `nestjs-messaging/testing`: the real
 * application (HTTP routes, its microservice, its MessagingModule client) runs
 * with its microservice on the in-memory transport; the test stubs a handler,
 * reads the recorder, injects a fault and drives the budget with a fake clock.
 * Run by `npm test` (jest); nothing in it is jest-specific but describe/it/expect.
 */
// #region testing
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagingErrorCode } from 'nestjs-messaging';
import { MessagingTestHarness, TestClock, type ClientOverride } from 'nestjs-messaging/testing';
import { appModule, REPORT_BUDGET_MS, type User } from './app.module';

describe('hybrid app, tested in memory', () => {
  const harness = new MessagingTestHarness();
  let app: INestApplication;
  let users: ClientOverride;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(appModule(0), { logger: false }); // its 'users' client is a TCP client...
    app.connectMicroservice(harness.microservice('users')); // ...its microservice listens in memory...
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    users = harness.override(app, 'users').routeTo('users'); // ...and the client calls it there: no port, no broker
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    harness.close();
  });
  beforeEach(() => harness.recorder.clear());

  it('carries the correlation id from HTTP to the handler (recorder)', async () => {
    const res = await fetch(`${base}/users/42`, { headers: { 'x-correlation-id': 'test-42' } });
    expect(await res.json()).toEqual({ id: 42, name: 'Sample User' });
    const [call] = harness.sent({ cmd: 'get_user' });
    expect(call).toMatchObject({ client: 'users', payload: { id: 42 }, outcome: { status: 'ok' } });
    expect(call!.metadata?.correlationId).toBe('test-42');
  });

  it('serves a route from a stub instead of the real handler (override)', async () => {
    users.stub<User, { id: number }>({ cmd: 'get_user' }, ({ id }) => ({ id, name: 'Stubbed User' }));
    try {
      expect(await (await fetch(`${base}/users/7`)).json()).toEqual({ id: 7, name: 'Stubbed User' });
    } finally {
      users.unstub({ cmd: 'get_user' });
    }
  });

  it('maps an unavailable users service to HTTP 503 (fault)', async () => {
    harness.fault({ cmd: 'get_user' }).failNext(1, MessagingErrorCode.UNAVAILABLE);
    expect((await fetch(`${base}/users/42`)).status).toBe(503);
    expect((await fetch(`${base}/users/42`)).status).toBe(200);
  });

  it('turns the slow report into 504 when its budget ends, without waiting for it (fake time)', async () => {
    const clock = TestClock.install();
    try {
      const res = fetch(`${base}/users/42/report`);
      await harness.waitFor('sent', { cmd: 'build_report' }, { settled: false }); // the call is on its way
      await clock.advance(REPORT_BUDGET_MS);
      expect((await res).status).toBe(504);
      expect(harness.sent({ cmd: 'build_report' })[0]!.outcome).toEqual({ status: 'cancelled' });
    } finally {
      clock.uninstall();
    }
  });

  it('handles the user_created event of a signup (waitFor)', async () => {
    const res = await fetch(`${base}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
    const created = (await res.json()) as User;
    const event = await harness.waitFor('consumed', 'user_created');
    expect(event).toMatchObject({ payload: created, outcome: { status: 'ok' } });
    expect(await (await fetch(`${base}/users/${created.id}/notifications`)).json()).toEqual([
      expect.objectContaining({ text: 'Welcome, Ada!' }),
    ]);
  });
});
// #endregion testing
