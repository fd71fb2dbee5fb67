import { Transport } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import {
  MessagingClient,
  MessagingClientSerializer,
  MessagingErrorCode,
  MessagingRemoteError,
  runWithMessageContext,
} from '../src';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { CapturingLogger } from './support/log-capture';
import { nestMajor } from './support/nest';
import { B_NOT_FOUND_MESSAGE, INTERNAL_NAMES, leaksIn, startHops, type HopCase, type Hops } from './support/hops';

/**
 * Issue 11, item 6: an error that crosses a hop is re-classified at the
 * boundary. HTTP edge -> service A -> service B, over TCP, with real servers.
 */

/** What each case must look like at the edge (HTTP) and to A's direct caller. */
const EXPECTED: Record<Exclude<HopCase, 'found' | 'a-overloaded'>, { status: number; code: string; http: string; upstream: string }> = {
  'not-found': { status: 404, code: 'NOT_FOUND', http: B_NOT_FOUND_MESSAGE, upstream: B_NOT_FOUND_MESSAGE },
  invalid: { status: 500, code: 'INTERNAL', http: 'Internal server error', upstream: 'Internal server error' },
  'bad-reply': { status: 500, code: 'INTERNAL', http: 'Internal server error', upstream: 'Internal server error' },
  'refused-payload': { status: 500, code: 'INTERNAL', http: 'Internal server error', upstream: 'Internal server error' },
  down: { status: 503, code: 'UNAVAILABLE', http: 'An upstream service is unavailable', upstream: 'A downstream service is unavailable' },
  slow: { status: 504, code: 'DEADLINE_EXCEEDED', http: 'An upstream service did not answer in time', upstream: 'A downstream call ran out of time' },
};
const FAILING = Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>;

describe(`errors across hops: HTTP edge -> A -> B (Nest ${nestMajor})`, () => {
  const logger = new CapturingLogger();
  let hops: Hops;
  let direct: MessagingClient;
  let plain: ClientProxy;

  beforeAll(async () => {
    hops = await startHops(logger);
    const proxy = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: hops.aPort, serializer: new MessagingClientSerializer() },
    });
    direct = MessagingClient.wrap(proxy, 'direct-caller', { timeout: 5000 });
    plain = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: hops.aPort } });
  });
  afterAll(async () => {
    await direct?.close();
    await direct?.proxy.close();
    await plain?.close();
    await hops?.close();
  });
  beforeEach(() => hops.counters.reset());

  async function http(kind: HopCase): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${hops.edge}/orders/${kind}`, { headers: { 'x-correlation-id': `hops-${kind}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('a found item flows through all three hops', async () => {
    expect(await http('found')).toEqual({ status: 200, body: { onHand: 7, warehouseBinCode: 'A-1' } });
  });

  describe.each(FAILING)('%s', (kind) => {
    const expected = EXPECTED[kind];

    it('the HTTP body has the status, the code and a message with no internal names', async () => {
      const { status, body } = await http(kind);
      expect({ status, code: body.code, message: body.message }).toEqual({ status: expected.status, code: expected.code, message: expected.http });
      expect(body).toEqual({ statusCode: expected.status, code: expected.code, message: expected.http, correlationId: `hops-${kind}` });
      expect(leaksIn(JSON.stringify(body), hops)).toEqual([]);
    });

    it("A's caller gets the re-classified error, not retryable, with no internal names", async () => {
      const err = await runWithMessageContext({ correlationId: 'hops-direct' }, () =>
        direct.request({ cmd: 'check-order' }, { case: kind }).catch((e: unknown) => e),
      );
      expect(err).toBeInstanceOf(MessagingRemoteError);
      const remote = (err as MessagingRemoteError).remote as Record<string, unknown>;
      expect(remote).toEqual({
        code: expected.code,
        message: expected.upstream,
        retryable: false,
        pattern: '{"cmd":"check-order"}',
        correlationId: 'hops-direct',
      });
      expect(err).toMatchObject({ code: expected.code, retryable: false });
      expect(leaksIn(JSON.stringify(remote), hops)).toEqual([]);
    });

    it('a plain Nest client of A receives the same wire error', async () => {
      const raw = (await firstValueFrom(plain.send({ cmd: 'check-order' }, { case: kind })).catch((e: unknown) => e)) as Record<string, unknown>;
      expect(raw).toMatchObject({ code: expected.code, message: expected.upstream, retryable: false, pattern: '{"cmd":"check-order"}' });
      const { correlationId: _, ...rest } = raw;
      expect(leaksIn(JSON.stringify(rest), hops)).toEqual([]);
    });
  });

  it("keeps the downstream peer's details of a caller-facing answer only: none for our own faults", async () => {
    const invalid = (await direct.request({ cmd: 'check-order' }, { case: 'invalid' }).catch((e: unknown) => e)) as MessagingRemoteError;
    expect(invalid.details).toBeUndefined();
    const badReply = (await direct.request({ cmd: 'check-order' }, { case: 'bad-reply' }).catch((e: unknown) => e)) as MessagingRemoteError;
    expect(badReply.details).toBeUndefined();
  });

  it('with exposeErrors, the original failure is in details.downstream', async () => {
    const err = (await direct.request({ cmd: 'check-order-exposed' }, { case: 'invalid' }).catch((e: unknown) => e)) as MessagingRemoteError;
    expect(err).toMatchObject({ code: 'INTERNAL', retryable: false });
    const downstream = (err.details as { downstream: { message: string } }).downstream;
    expect(downstream.message).toContain(INTERNAL_NAMES.client);
    expect(downstream.message).toContain('INVALID_ARGUMENT');
  });

  it("A's log keeps what the caller is not told: the client, B's pattern and the original error", async () => {
    logger.lines.length = 0;
    await http('invalid');
    await http('down');
    await http('not-found');
    const lines = logger.containing('failed on a downstream call').map((l) => ({ level: l.level, text: l.text }));
    const invalid = lines.find((l) => l.text.includes('hops-invalid'));
    expect(invalid).toMatchObject({ level: 'error' });
    expect(invalid!.text).toContain(`client '${INTERNAL_NAMES.client}'`);
    expect(invalid!.text).toContain(INTERNAL_NAMES.pattern);
    expect(invalid!.text).toContain('INVALID_ARGUMENT');
    const down = lines.find((l) => l.text.includes('hops-down'));
    expect(down!.text).toContain(INTERNAL_NAMES.downClient);
    expect(down!.text).toContain('ECONNREFUSED');
    const notFound = lines.find((l) => l.text.includes('hops-not-found'));
    expect(notFound).toMatchObject({ level: 'warn' });
    expect(notFound!.text).toContain(B_NOT_FOUND_MESSAGE);
  });

  it('when B is down, only A retries: 1 run of A per HTTP request, 3 attempts of A against B, 0 retries at the edge', async () => {
    const requests = 3;
    for (let i = 0; i < requests; i++) {
      const { status, body } = await http('down');
      expect({ status, code: body.code }).toEqual({ status: 503, code: MessagingErrorCode.UNAVAILABLE });
    }
    const { counters } = hops;
    expect({
      edgeRetries: counters.edgeRetries,
      aRuns: counters.aRuns.get('down'),
      aRetries: counters.aRetries,
      aAttemptsPerCall: counters.aGaveUp.map((e) => e.attempt),
    }).toEqual({ edgeRetries: 0, aRuns: requests, aRetries: 2 * requests, aAttemptsPerCall: [3, 3, 3] });
    expect(counters.aGaveUp.every((e) => e.client === INTERNAL_NAMES.downClient && e.error.code === 'UNAVAILABLE')).toBe(true);
  });

  it("control: the edge's client does retry a retryable error of A's own (so its 0 retries above are A's doing)", async () => {
    const { status, body } = await http('a-overloaded');
    expect({ status, code: body.code }).toEqual({ status: 503, code: MessagingErrorCode.UNAVAILABLE });
    expect({ edgeRetries: hops.counters.edgeRetries, aRuns: hops.counters.aRuns.get('a-overloaded') }).toEqual({ edgeRetries: 2, aRuns: 3 });
  });

  it("B's own answers are not retried anywhere: one run per hop", async () => {
    for (const kind of ['not-found', 'invalid', 'bad-reply'] as const) await http(kind);
    // B's handler ran for not-found and bad-reply; B refused the invalid payload before its handler
    expect(hops.counters).toMatchObject({ edgeRetries: 0, aRetries: 0, bRuns: 2 });
    expect([...hops.counters.aRuns.values()]).toEqual([1, 1, 1]);
  });
});
