import { Controller, Injectable } from '@nestjs/common';
import { Payload, type ClientProxy } from '@nestjs/microservices';
import { IsInt } from 'class-validator';
import { firstValueFrom } from 'rxjs';
import {
  defineEvent,
  EventHandler,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingClientSerializer,
  MessagingErrorCode,
  MessagingTimeoutError,
  runWithMessageContext,
  timeLeft,
  type MessageMetadata,
} from '../src';
import { nestMajor, waitFor } from './support/nest';
import { CLIENT_SUITE_TRANSPORTS, type Address, type SuiteServer, type SuiteTransport } from './support/suite-transports';

@Injectable()
class Links {
  self!: MessagingClient;
}

interface Seen {
  name: string;
  meta: MessageMetadata;
  timeLeft?: number;
  bBudgetError?: unknown;
}
const seen: Seen[] = [];
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Tick {
  @IsInt() n!: number;
}
const Tick1s = defineEvent({ pattern: { event: 'tick_ttl' }, versions: { 1: Tick }, ttl: 1000 });
const TickForever = defineEvent({ pattern: { event: 'tick' }, versions: { 1: Tick } });

@Controller()
class ChainController {
  constructor(private readonly links: Links) {}

  @MessageHandler({ cmd: 'a' })
  a(data: { waitInB: number }) {
    return this.links.self.request({ cmd: 'b' }, data, { timeout: 5000 });
  }

  @MessageHandler({ cmd: 'b' })
  async b(@Payload() data: { waitInB: number }, @MessageMeta() meta: MessageMetadata) {
    seen.push({ name: 'b', meta, timeLeft: timeLeft() });
    await delay(data.waitInB);
    const started = performance.now();
    try {
      return await this.links.self.request({ cmd: 'c' }, {}, { timeout: 5000 });
    } catch (err) {
      seen.push({ name: 'b-call-failed', meta, bBudgetError: err, timeLeft: performance.now() - started });
      throw err;
    }
  }

  @MessageHandler({ cmd: 'c' })
  c(@MessageMeta() meta: MessageMetadata) {
    seen.push({ name: 'c', meta, timeLeft: timeLeft() });
    return 'c done';
  }

  @MessageHandler({ cmd: 'probe' })
  probe(@MessageMeta() meta: MessageMetadata) {
    seen.push({ name: 'probe', meta, timeLeft: timeLeft() });
    return timeLeft() ?? null;
  }

  @EventHandler(Tick1s)
  tickTtl(data: Tick) {
    seen.push({ name: `tick_ttl:${data.n}`, meta: undefined as never });
  }

  @EventHandler(TickForever)
  tick(data: Tick) {
    seen.push({ name: `tick:${data.n}`, meta: undefined as never });
  }
}

let t: SuiteTransport;

function client(address: Address, metadata?: Record<string, string>): ClientProxy {
  const serializer = metadata
    ? { serialize: (packet: Record<string, unknown>) => ({ ...packet, metadata: { ...metadata, 'msg-sent-at': metadata['msg-sent-at'] ?? String(Date.now()) } }) }
    : new MessagingClientSerializer();
  return t.proxy(address, serializer);
}

describe.each(CLIENT_SUITE_TRANSPORTS)(`deadlines that travel over %s (Nest ${nestMajor})`, (_, transport) => {
  let server: SuiteServer;
  let a: MessagingClient;

  beforeAll(async () => {
    t = transport();
    server = await t.startServer([ChainController], { providers: [Links] });
    server.app.get(Links).self = MessagingClient.wrap(client(server.address), 'self');
    a = MessagingClient.wrap(client(server.address), 'a');
  });
  afterAll(async () => {
    for (const c of [a, server.app.get(Links).self]) {
      await c.close();
      await c.proxy.close();
    }
    await server.close();
    t.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('gives a downstream call what is left of the deadline: 1000 ms, 700 ms spent -> about 300 ms', async () => {
    expect(await a.request({ cmd: 'a' }, { waitInB: 700 }, { timeout: 1000 })).toBe('c done');
    const b = seen.find((s) => s.name === 'b')!;
    const c = seen.find((s) => s.name === 'c')!;
    // A's budget (1000) reached B nearly whole, then one hop A -> B of it was spent.
    expect(b.meta.timeoutMs).toBeGreaterThan(850);
    expect(b.meta.timeoutMs).toBeLessThanOrEqual(1000);
    // B's own 5000 ms timeout was cut to the ~300 ms left.
    // (a lower bound with room for a busy machine, where B's 700 ms wait may run late)
    expect(c.meta.timeoutMs).toBeGreaterThan(50);
    expect(c.meta.timeoutMs).toBeLessThanOrEqual(300);
    expect(c.timeLeft).toBeLessThanOrEqual(300);
  });

  it('never starts C when B has no time left, and A gets DEADLINE_EXCEEDED, not a hang', async () => {
    const started = performance.now();
    const err = await a.request({ cmd: 'a' }, { waitInB: 1100 }, { timeout: 1000 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    // B's handler outlives A's budget: wait for it before asserting, so that a failed
    // assertion here never leaves B's late entry to the next test.
    await waitFor(() => seen.some((s) => s.name === 'b-call-failed'), 5000, "B's call to fail");
    // A's own budget timer and B's DEADLINE_EXCEEDED reply race: either may end the call, both say the same code.
    expect((err as MessagingTimeoutError).code).toBe(MessagingErrorCode.DEADLINE_EXCEEDED);
    expect(elapsed).toBeLessThan(1000 + 500);
    const failed = seen.find((s) => s.name === 'b-call-failed')!;
    expect(failed.bBudgetError).toBeInstanceOf(MessagingTimeoutError);
    expect((failed.bBudgetError as MessagingTimeoutError).attempts).toBe(0);
    expect(failed.timeLeft).toBeLessThan(200); // it failed at once, without sending
    expect(seen.some((s) => s.name === 'c')).toBe(false);
  });

  it('refuses at once a request whose budget is already spent', async () => {
    const late = client(server.address, { 'msg-id': 'late-1', 'msg-correlation-id': 'corr-late', 'msg-timeout-ms': '0' });
    try {
      const err = await firstValueFrom(late.send({ cmd: 'probe' }, {})).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DEADLINE_EXCEEDED', correlationId: 'corr-late' });
      expect(seen).toHaveLength(0);
    } finally {
      await late.close();
    }
  });

  it('measures the deadline on the receiver clock, whatever the sender clock says', async () => {
    for (const skew of [-3_600_000, 3_600_000]) {
      const skewed = client(server.address, {
        'msg-id': `skew-${skew}`,
        'msg-correlation-id': 'corr-skew',
        'msg-timeout-ms': '800',
        'msg-sent-at': String(Date.now() + skew),
      });
      try {
        const left = await firstValueFrom(skewed.send<number>({ cmd: 'probe' }, {}));
        // Had the sender's clock counted, the budget would be gone (-1 h) or an hour long (+1 h).
        // The margin below 800 is only the time from receipt to the handler, generous for a busy machine.
        expect(left).toBeGreaterThan(300);
        expect(left).toBeLessThanOrEqual(800);
      } finally {
        await skewed.close();
      }
    }
  });

  it('limits calls made in runWithMessageContext({ timeout })', async () => {
    const err = await runWithMessageContext({ timeout: 200 }, async () => {
      await delay(250);
      return a.request({ cmd: 'probe' }, {}).catch((e: unknown) => e);
    });
    expect(err).toBeInstanceOf(MessagingTimeoutError);
    expect(seen).toHaveLength(0);
    const left = await runWithMessageContext({ timeout: 2000 }, () => a.request<number>({ cmd: 'probe' }, {}));
    expect(left).toBeGreaterThan(1500);
    expect(left).toBeLessThanOrEqual(2000);
  });

  it('drops an event older than its contract ttl, and handles late events without one', async () => {
    const old = String(Date.now() - 5000);
    const stale = client(server.address, { 'msg-id': 'old-1', 'msg-correlation-id': 'corr-old', 'msg-sent-at': old });
    try {
      await firstValueFrom(stale.emit(Tick1s.pattern, { n: 1 }));
      await firstValueFrom(stale.emit(TickForever.pattern, { n: 2 }));
      await firstValueFrom(a.emit(Tick1s, { n: 3 }));
      await waitFor(() => seen.length >= 2, 3000, 'the events');
      // The fresh ttl event arrived after the stale one on the same connection: nothing else is coming.
      await waitFor(() => seen.some((s) => s.name === 'tick_ttl:3'), 3000, 'the fresh event');
      expect(seen.map((s) => s.name).sort()).toEqual(['tick:2', 'tick_ttl:3']);
    } finally {
      await stale.close();
    }
  });
});
