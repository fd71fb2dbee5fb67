import { Controller, Module, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Transport } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import {
  ContractViolationError,
  MessagingClient,
  MessagingConnectionError,
  MessagingErrorCode,
  MessagingRemoteError,
  runWithMessageContext,
} from '../../src';
import { MessagingTestHarness, TestClock } from '../../src/testing';
import { GetUser, GetUserV2, UserCreated } from '../fixtures/users.contracts';
import { nestMajor } from '../support/nest';
import { Gateway, gatewayModule, seen, startGateway, startUsers } from './fixtures';

@Controller()
class PinnedHandlers {
  @MessagePattern('on_tcp', Transport.TCP)
  onTcp() {
    return 'tcp';
  }

  @MessagePattern('on_nats', Transport.NATS)
  onNats() {
    return 'nats';
  }
}

@Module({ controllers: [PinnedHandlers] })
class PinnedModule {}

describe(`test kit: the in-memory transport, the recorder and overrides (Nest ${nestMajor})`, () => {
  const harness = new MessagingTestHarness();
  let users: INestMicroservice;
  let app: INestApplicationContext;
  let gateway: Gateway;

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
    harness.recorder.clear();
  });

  it("routes an application's TCP client to a real microservice listening in memory, metadata and all", async () => {
    const user = await runWithMessageContext({ correlationId: 'corr-1', app: { tenant: 'acme' } }, () => gateway.profile(7));
    expect(user).toEqual({ id: 7, name: 'user-7' });
    expect(seen.requests[0]!.dto).toBeInstanceOf(GetUserV2);
    expect(seen.requests[0]!.meta).toMatchObject({ correlationId: 'corr-1', app: { tenant: 'acme' }, payloadVersion: 2 });
    expect(seen.requests[0]!.meta.timeoutMs).toBeLessThanOrEqual(1000);

    const [sent] = harness.sent(GetUser);
    expect(sent).toMatchObject({ kind: 'sent', client: 'users', endpoint: 'users', route: '{"cmd":"get_user"}', payload: { id: 7 } });
    expect(sent!.metadata).toMatchObject({ correlationId: 'corr-1', app: { tenant: 'acme' }, attempt: 1 });
    expect(sent!.outcome).toEqual({ status: 'ok', response: { id: 7, name: 'user-7' }, responses: [{ id: 7, name: 'user-7' }] });
    expect(harness.received(GetUser)).toHaveLength(1);
    expect(harness.received(GetUser)[0]!.outcome).toMatchObject({ status: 'ok' });
  });

  it('keeps the error model: the wire error is recorded, the caller gets a typed error', async () => {
    await expect(gateway.profile(404)).rejects.toMatchObject({ code: MessagingErrorCode.NOT_FOUND, message: expect.stringContaining('user 404') });
    const internal = await gateway.profile(500).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(MessagingRemoteError);
    expect(internal).toMatchObject({ code: MessagingErrorCode.INTERNAL });
    const outcomes = harness.received(GetUser).map((m) => m.outcome);
    expect(outcomes).toEqual([
      { status: 'error', error: expect.objectContaining({ code: 'NOT_FOUND', message: 'user 404 does not exist' }) },
      { status: 'error', error: expect.objectContaining({ code: 'INTERNAL', message: 'Internal server error' }) },
    ]);
  });

  it('records events: emitted, consumed, and how their handling ended; waitFor waits for one', async () => {
    const handled = harness.waitFor('consumed', UserCreated, { where: (m) => m.payload.id === 1 });
    await gateway.signup(1);
    const consumed = await handled;
    expect(consumed).toMatchObject({ kind: 'consumed', payload: { id: 1, source: 'signup' }, outcome: { status: 'ok' } });
    expect(seen.events).toEqual([expect.objectContaining({ id: 1, source: 'signup' })]);
    expect(harness.emitted(UserCreated)[0]!.outcome).toMatchObject({ status: 'ok' });

    await gateway.signup(500);
    const failed = await harness.waitFor('consumed', UserCreated, { where: (m) => m.payload.id === 500 });
    expect(failed.outcome).toMatchObject({ status: 'error', error: expect.objectContaining({ message: 'the mailer is down' }) });

    const raw = harness.proxy('users');
    await firstValueFrom(raw.emit(UserCreated.pattern, { id: 'not a number', source: 'x' }));
    const refused = await harness.waitFor('consumed', UserCreated, { where: (m) => 'source' in m.payload && m.payload.source === 'x' });
    expect(refused.outcome).toMatchObject({ status: 'error', error: expect.any(ContractViolationError) });
    expect(seen.events.map((e) => e.id)).toEqual([1, 500]);
  });

  it('rejects a waitFor that sees nothing in time, naming what was recorded', async () => {
    await gateway.profile(1);
    await expect(harness.waitFor('consumed', UserCreated, { timeout: 50 })).rejects.toThrow(
      /no settled 'consumed' message for \{"event":"user_created"\} within 50 ms; recorded: sent \{"cmd":"get_user"\} -> users \(ok\)/,
    );
  });

  it('stubs a contract: the stub gets the decoded, upcast payload, its errors become wire errors, the rest is routed on', async () => {
    const { app: stubbed, gateway: gw } = await startGateway(harness, undefined);
    try {
      const override = harness.override(stubbed, 'users');
      const dtos: unknown[] = [];
      override.stub(GetUser, (dto, meta) => {
        dtos.push(dto);
        if (dto.id === 404) throw new MessagingRemoteError('gone', MessagingErrorCode.NOT_FOUND, false, { code: 'NOT_FOUND', message: 'gone' });
        return { id: dto.id, name: `stub for ${meta.correlationId}` };
      });
      const reply = await runWithMessageContext({ correlationId: 'corr-stub' }, () => gw.users.request(GetUser, { userId: 3 }, { version: 1 }));
      expect(reply).toEqual({ id: 3, name: 'stub for corr-stub' });
      expect(dtos[0]).toBeInstanceOf(GetUserV2);
      await expect(gw.profile(404)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(gw.profile(-1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(dtos).toHaveLength(2);
      expect(harness.received(GetUser, (m) => m.endpoint.startsWith('users#stubs')).length).toBeGreaterThanOrEqual(3);

      // An event without a stub and without a route: recorded, not handled.
      await gw.signup(2);
      expect((await harness.waitFor('consumed', UserCreated, { where: (m) => m.payload.id === 2 })).outcome).toMatchObject({ status: 'error' });
      override.unstub(GetUser);
      await expect(gw.profile(5)).rejects.toMatchObject({ code: MessagingErrorCode.UNIMPLEMENTED });
      override.routeTo('users');
      expect(await gw.profile(5)).toEqual({ id: 5, name: 'user-5' });
      expect(seen.events).toEqual([]);
    } finally {
      await stubbed.close();
    }
  });

  it('restores the original client: the application dials TCP again', async () => {
    const real = await NestFactory.createApplicationContext(gatewayModule(), { logger: false });
    try {
      const override = harness.override(real, 'users').routeTo('users');
      expect(await real.get(Gateway).profile(8)).toEqual({ id: 8, name: 'user-8' });
      override.restore();
      await expect(real.get(Gateway).profile(8)).rejects.toBeInstanceOf(MessagingConnectionError);
      expect(() => override.stub(GetUser, () => ({ id: 1, name: 'x' }))).toThrow(/was restored/);
    } finally {
      await real.close();
    }
  });

  it('overrides a MessagingClient made with wrap, and a server that closes fails what it has not answered', async () => {
    const direct = MessagingClient.wrap(harness.proxy('nowhere'), 'direct', { timeout: 5000 });
    const slowUsers = await startUsers(harness, 'slow-users');
    harness.override(direct).routeTo('slow-users');
    const clock = TestClock.install(); // the handler of id 9 waits a minute: on this clock, not the real one
    try {
      const pending = direct.request(GetUser, { id: 9 }).catch((e: unknown) => e);
      await harness.waitFor('received', GetUser, { settled: false, where: (m) => m.endpoint === 'slow-users' });
      await slowUsers.close();
      expect(await pending).toBeInstanceOf(MessagingConnectionError);
    } finally {
      clock.uninstall();
      await direct.close();
    }
  });

  it('serves every handler, or, standing in for a transport, those pinned to it or to none', async () => {
    const every = await NestFactory.createMicroservice(PinnedModule, { ...harness.microservice('every'), logger: false });
    const tcpOnly = await NestFactory.createMicroservice(PinnedModule, { ...harness.microservice('tcp-only', {}, Transport.TCP), logger: false });
    await every.listen();
    await tcpOnly.listen();
    try {
      const call = (endpoint: string, pattern: string) => harness.client(endpoint, endpoint).request(pattern, {}).catch((e: unknown) => e);
      expect([await call('every', 'on_tcp'), await call('every', 'on_nats')]).toEqual(['tcp', 'nats']);
      expect(await call('tcp-only', 'on_tcp')).toBe('tcp');
      expect(await call('tcp-only', 'on_nats')).toMatchObject({ code: MessagingErrorCode.UNIMPLEMENTED });
    } finally {
      await every.close();
      await tcpOnly.close();
    }
  });

  it('keeps harnesses apart: one endpoint name in two harnesses is two servers', async () => {
    const other = new MessagingTestHarness();
    const otherUsers = await startUsers(other);
    try {
      const client = other.client('users', 'other', { timeout: 1000 });
      expect(await client.request(GetUser, { id: 11 })).toEqual({ id: 11, name: 'user-11' });
      expect(other.sent(GetUser)).toHaveLength(1);
      expect(harness.sent(GetUser)).toHaveLength(0);
      await expect(startUsers(other)).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await otherUsers.close();
      other.close();
    }
  });
});

describe(`test kit: overrides of an overridden client (Nest ${nestMajor})`, () => {
  it('restores the client its own proxy when the harness resets, whatever the order', async () => {
    const harness = new MessagingTestHarness();
    const users = await startUsers(harness);
    const app = await NestFactory.createApplicationContext(gatewayModule(), { logger: false });
    try {
      const gateway = app.get(Gateway);
      const own = gateway.users.proxy;
      harness.override(app, 'users').routeTo('users');
      harness.override(app, 'users').stub(GetUser, (dto) => ({ id: dto.id, name: 'second' }));
      expect(await gateway.profile(1)).toEqual({ id: 1, name: 'second' });
      harness.reset();
      expect(gateway.users.proxy).toBe(own);
    } finally {
      await app.close();
      await users.close();
      harness.close();
    }
  });
});
