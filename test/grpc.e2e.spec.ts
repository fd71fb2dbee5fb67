import { Controller, Injectable } from '@nestjs/common';
import { firstValueFrom, from, interval, lastValueFrom, map, Observable, take, toArray } from 'rxjs';
import {
  getMessageContext,
  MessagingClient,
  MessagingConfigurationError,
  MessagingConnectionError,
  MessagingError,
  MessagingErrorCode,
  MessagingTimeoutError,
  runWithMessageContext,
  timeLeft,
} from '../src';
import { GrpcHandler, GrpcStreamHandler, MessagingGrpcClient, type GrpcServiceClient } from '../src/grpc';
import {
  grpc,
  plainGrpcClient,
  rawEchoClient,
  rawUnary,
  SERVICE,
  startGrpcServer,
  startRawServer,
  type CountRequest,
  type EchoReply,
  type EchoRequest,
  type EchoService,
  type RunningGrpc,
} from './support/grpc';
import { nestMajor, waitFor } from './support/nest';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the handlers saw, by test. */
const seen: Array<{ text: string; timeLeft?: number; aborted?: string }> = [];
const attemptsByText = new Map<string, number>();
/** The AbortSignal of each handled call that asked to keep it. */
const signals: AbortSignal[] = [];

@Injectable()
class Links {
  /** B's client of C (the same server). */
  next?: GrpcServiceClient<EchoService>;
}

function reply(text: string, index = 0): EchoReply {
  const ctx = getMessageContext();
  const meta = ctx?.message;
  return {
    text,
    correlationId: ctx?.correlationId ?? '',
    causationId: meta?.causationId ?? '',
    messageId: meta?.messageId ?? '',
    timeLeftMs: timeLeft() ?? -1,
    attempt: meta?.attempt ?? 0,
    tenant: ctx?.app.tenant ?? '',
    index,
    downstream: '',
  };
}

@Controller()
class EchoHandlers {
  constructor(private readonly links: Links) {}

  @GrpcHandler(SERVICE, 'Say')
  async say(request: EchoRequest): Promise<EchoReply> {
    const text = request.text ?? '';
    const attempt = (attemptsByText.get(text) ?? 0) + 1;
    attemptsByText.set(text, attempt);
    switch (request.action) {
      case 'unavailable-twice':
        if (attempt <= 2) throw new MessagingError('busy, try again', MessagingErrorCode.UNAVAILABLE, true);
        break;
      case 'slow-first':
        if (attempt === 1) await delay(request.waitMs ?? 0);
        break;
      case 'until-aborted': {
        const signal = getMessageContext()!.signal!;
        seen.push({ text: `${text}:started` });
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        seen.push({ text, aborted: (signal.reason as MessagingError).code });
        break;
      }
      case 'chain-b': {
        // B: waits, then calls C with whatever is left of A's deadline.
        await delay(request.waitMs ?? 0);
        return { ...reply(text), downstream: JSON.stringify(await lastValueFrom(this.links.next!.say({ text: `${text}>c`, action: 'chain-c', waitMs: 500 }))) };
      }
      case 'keep-signal':
        signals.push(getMessageContext()!.signal!);
        break;
      case 'slow-started':
        seen.push({ text: `${text}:started` });
        await delay(request.waitMs ?? 0);
        break;
      case 'chain-c':
        seen.push({ text, timeLeft: timeLeft() });
        await delay(request.waitMs ?? 0);
        break;
      default:
        await delay(request.waitMs ?? 0);
    }
    return reply(text);
  }

  @GrpcHandler(SERVICE, 'Count')
  count(request: CountRequest): Observable<EchoReply> {
    signals.push(getMessageContext()!.signal!);
    const r = reply('count');
    return interval(5).pipe(
      take(request.count ?? 0),
      map((i) => ({ ...r, index: i })),
    );
  }

  @GrpcStreamHandler(SERVICE, 'Collect')
  collect(requests: Observable<EchoRequest>): Observable<EchoReply> {
    const r = reply('');
    return requests.pipe(
      toArray(),
      map((all) => ({ ...r, text: all.map((x) => x.text).join('+') })),
    );
  }

  @GrpcStreamHandler(SERVICE, 'Chat')
  chat(requests: Observable<EchoRequest>): Observable<EchoReply> {
    const r = reply('');
    return requests.pipe(map((x, i) => ({ ...r, text: `re:${x.text}`, index: i })));
  }
}

describe(`gRPC through the library (Nest ${nestMajor})`, () => {
  let server: RunningGrpc;
  let nest: ReturnType<typeof plainGrpcClient>;
  let client: MessagingGrpcClient;
  let echo: GrpcServiceClient<EchoService>;
  const links = new Links();

  beforeAll(async () => {
    server = await startGrpcServer([EchoHandlers], { providers: [{ provide: Links, useValue: links }] });
    nest = plainGrpcClient(server.url);
    client = MessagingGrpcClient.wrap(nest, 'echo', { timeout: 3000 });
    echo = client.getService<EchoService>(SERVICE);
    links.next = MessagingGrpcClient.wrap(plainGrpcClient(server.url), 'c').getService<EchoService>(SERVICE);
  });
  afterAll(async () => {
    await client?.close();
    nest?.close();
    await server?.close();
  });

  it('unary: the metadata arrives as gRPC metadata, the budget as the call deadline', async () => {
    const r = await runWithMessageContext({ correlationId: 'grpc-corr-1', app: { tenant: 'Zürich' } }, () =>
      lastValueFrom(echo.say({ text: 'hi' }, { timeout: 2000 })),
    );
    expect(r).toMatchObject({ text: 'hi', correlationId: 'grpc-corr-1', causationId: '', attempt: 1, tenant: 'Zürich' });
    expect(r.messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(r.timeLeftMs).toBeGreaterThan(1000);
    expect(r.timeLeftMs).toBeLessThanOrEqual(2000);
    // a ClientGrpc is not a ClientProxy to send on
    expect(() => MessagingClient.wrap(nest as never, 'wrong')).toThrow(MessagingConfigurationError);
    // both spellings of the method, as with Nest's getService
    const viaOriginal = (echo as unknown as { Say: GrpcServiceClient<EchoService>['say'] }).Say({ text: 'again' });
    expect((await lastValueFrom(viaOriginal)).text).toBe('again');
  });

  it('server streaming emits every reply; client and bidirectional streaming send an Observable of requests', async () => {
    const counted = await runWithMessageContext({ correlationId: 'grpc-stream' }, () => lastValueFrom(echo.count({ count: 3 }).pipe(toArray())));
    expect(counted.map((r) => [r.index, r.correlationId])).toEqual([
      [0, 'grpc-stream'],
      [1, 'grpc-stream'],
      [2, 'grpc-stream'],
    ]);
    // Requests sent at once, before the handler (behind its guard) subscribes, all arrive: 20 times.
    const collected = await Promise.all(
      Array.from({ length: 20 }, () => lastValueFrom(echo.collect(from([{ text: 'a' }, { text: 'b' }, { text: 'c' }])))),
    );
    expect(collected.map((r) => r.text)).toEqual(Array.from({ length: 20 }, () => 'a+b+c'));
    const chat = await lastValueFrom(echo.chat(from([{ text: 'x' }, { text: 'y' }])).pipe(toArray()));
    expect(chat.map((r) => r.text)).toEqual(['re:x', 're:y']);
  });

  it('a plain Nest ClientGrpc and a plain grpc-js client reach the handler (fresh ids, the deadline they set)', async () => {
    const viaNest = await lastValueFrom(nest.getService<EchoService>(SERVICE).say({ text: 'nest' }));
    expect(viaNest.correlationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(viaNest.timeLeftMs).toBe(-1);
    const raw = rawEchoClient(server.url);
    try {
      const md = new grpc.Metadata();
      md.set('msg-correlation-id', 'raw-corr');
      const { reply: r } = await rawUnary(raw, 'say', { text: 'raw' }, md, { deadline: Date.now() + 800 });
      expect(r).toMatchObject({ text: 'raw', correlationId: 'raw-corr' });
      expect(r!.timeLeftMs).toBeGreaterThan(300);
      expect(r!.timeLeftMs).toBeLessThanOrEqual(800);
    } finally {
      raw.close();
    }
  });

  it('retries an idempotent call that failed with UNAVAILABLE twice (library server and plain grpc-js server)', async () => {
    const r = await lastValueFrom(echo.say({ text: 'retry-1', action: 'unavailable-twice' }, { idempotent: true, retry: { baseDelay: 5 } }));
    expect(r.attempt).toBe(3);
    let rawCalls = 0;
    const plain = await startRawServer({
      Say: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<Partial<EchoReply>>) => {
        rawCalls++;
        if (rawCalls <= 2) return cb({ code: grpc.status.UNAVAILABLE, details: 'not yet' });
        cb(null, { text: 'ok', attempt: Number(call.metadata.get('msg-attempt')[0] ?? 1) });
      },
    });
    const other = MessagingGrpcClient.wrap(plainGrpcClient(plain.url), 'plain', { timeout: 3000, retry: { baseDelay: 5 } });
    try {
      const ok = await lastValueFrom(other.getService<EchoService>(SERVICE).say({}, { idempotent: true }));
      expect(ok).toMatchObject({ text: 'ok', attempt: 3 });
      rawCalls = 0;
      // not idempotent: never retried
      const err = await lastValueFrom(other.getService<EchoService>(SERVICE).say({})).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingConnectionError);
      expect(err).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE });
      expect(rawCalls).toBe(1);
    } finally {
      await other.close();
      (other.grpc as ReturnType<typeof plainGrpcClient>).close();
      await plain.close();
    }
  });

  it('DEADLINE_EXCEEDED of one attempt is retried only for idempotent calls', async () => {
    const ok = await lastValueFrom(echo.say({ text: 'slow-1', action: 'slow-first', waitMs: 600 }, { idempotent: true, attemptTimeout: 150, retry: { baseDelay: 5 } }));
    expect(ok.attempt).toBe(2);
    const err = await lastValueFrom(echo.say({ text: 'slow-2', action: 'slow-first', waitMs: 600 }, { attemptTimeout: 150 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingTimeoutError);
    expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED, attempts: 1 });
    expect(attemptsByText.get('slow-2')).toBe(1);
  });

  it("a client's cancellation aborts the handler's AbortSignal (CANCELLED); the deadline aborts it too (DEADLINE_EXCEEDED)", async () => {
    const sub = echo.say({ text: 'cancel-me', action: 'until-aborted' }).subscribe({ error: () => undefined });
    await waitFor(() => seen.some((s) => s.text === 'cancel-me:started'), 5000, 'the handler to start');
    sub.unsubscribe();
    await waitFor(() => seen.some((s) => s.text === 'cancel-me' && s.aborted), 5000, 'the abort');
    expect(seen.find((s) => s.text === 'cancel-me')!.aborted).toBe(MessagingErrorCode.CANCELLED);

    const err = await lastValueFrom(echo.say({ text: 'expire-me', action: 'until-aborted' }, { timeout: 200 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED });
    await waitFor(() => seen.some((s) => s.text === 'expire-me' && s.aborted), 5000, 'the abort');
    expect(seen.find((s) => s.text === 'expire-me')!.aborted).toBe(MessagingErrorCode.DEADLINE_EXCEEDED);
  });

  it('the deadline travels: A 1000 ms -> B waits 700 ms -> C sees about 300 ms; A gets DEADLINE_EXCEEDED', async () => {
    const err = await lastValueFrom(echo.say({ text: 'chain-1', action: 'chain-b', waitMs: 700 }, { timeout: 1000 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingTimeoutError);
    expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED });
    const c = seen.find((s) => s.text === 'chain-1>c');
    expect(c?.timeLeft).toBeGreaterThan(150);
    expect(c?.timeLeft).toBeLessThanOrEqual(300);

    // A as a plain grpc-js client: gRPC itself reports DEADLINE_EXCEEDED.
    const raw = rawEchoClient(server.url);
    try {
      const { error } = await rawUnary(raw, 'say', { text: 'chain-2', action: 'chain-b', waitMs: 700 }, new grpc.Metadata(), { deadline: Date.now() + 1000 });
      expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      await waitFor(() => seen.some((s) => s.text === 'chain-2>c'), 5000, 'C');
      expect(seen.find((s) => s.text === 'chain-2>c')!.timeLeft).toBeLessThanOrEqual(300);
    } finally {
      raw.close();
    }
  });

  it('a call that ends normally leaves its signal alone (gRPC also reports a finished call as cancelled)', async () => {
    signals.length = 0;
    await lastValueFrom(echo.say({ text: 'calm', action: 'keep-signal' }));
    await lastValueFrom(echo.count({ count: 2 }).pipe(toArray()));
    await delay(150);
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  it('with a gracePeriod, close() lets the calls in flight finish and refuses new ones (UNAVAILABLE)', async () => {
    const draining = await startGrpcServer([EchoHandlers], { providers: [{ provide: Links, useValue: links }], server: { gracePeriod: 3000 } });
    const other = MessagingGrpcClient.wrap(plainGrpcClient(draining.url), 'draining', { timeout: 3000 });
    try {
      const svc = other.getService<EchoService>(SERVICE);
      const slow = lastValueFrom(svc.say({ text: 'drain-1', action: 'slow-started', waitMs: 400 }));
      await waitFor(() => seen.some((s) => s.text === 'drain-1:started'), 5000, 'the slow call');
      const closing = draining.close();
      const refused = await lastValueFrom(svc.say({ text: 'drain-2' })).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: MessagingErrorCode.UNAVAILABLE });
      expect(await slow).toMatchObject({ text: 'drain-1' });
      await closing;
      expect(attemptsByText.has('drain-2')).toBe(false);
    } finally {
      await other.close();
      (other.grpc as ReturnType<typeof plainGrpcClient>).close();
    }
  });

  it('a call that exhausts its budget before the first attempt is not sent', async () => {
    const err = await runWithMessageContext({ timeout: 1 }, async () => {
      await delay(5);
      return firstValueFrom(echo.say({ text: 'late' })).catch((e: unknown) => e);
    });
    expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED, attempts: 0 });
    expect(attemptsByText.has('late')).toBe(false);
  });
});
