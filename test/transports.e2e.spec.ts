import { Controller, Injectable, NotFoundException, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ClientProxyFactory,
  Ctx,
  EventPattern,
  MessagePattern,
  MqttContext,
  NatsContext,
  Payload,
  RmqContext,
  type ClientOptions,
} from '@nestjs/microservices';
import { lastValueFrom, NEVER } from 'rxjs';
import {
  defineMessage,
  getMessagingClientToken,
  InjectMessagingClient,
  MessageHandler,
  MessagingRemoteError,
  MessageMeta,
  MessagingClient,
  MessagingClientSerializer,
  MessagingErrorCode,
  MessagingModule,
  MessagingTimeoutError,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { currentInbound } from '../src/context/message-context';
import { GetUser, GetUserV2, UserDto, type GetUserV1 } from './fixtures/users.contracts';
import { describeWithBroker } from './support/brokers';
import { nestMajor, waitFor } from './support/nest';
import { BROKER_OF, endpoint, nestOptions, startServer, TRANSPORTS, uniqueName, type Endpoint, type TransportName } from './support/transports';

interface Seen {
  data: unknown;
  meta: MessageMetadata;
}

/** The metadata read straight from where each transport carries it (not through the library's reader). */
function nativeMetadata(ctx: unknown): Record<string, unknown> | undefined {
  if (ctx instanceof NatsContext) {
    const h = ctx.getHeaders() as { keys(): string[]; get(k: string): string } | undefined;
    return h ? Object.fromEntries(h.keys().map((k) => [k, h.get(k)])) : undefined;
  }
  if (ctx instanceof RmqContext) return (ctx.getMessage() as { properties: { headers: Record<string, unknown> } }).properties.headers;
  if (ctx instanceof MqttContext) return (ctx.getPacket() as { properties?: { userProperties?: Record<string, unknown> } }).properties?.userProperties;
  // TCP and Redis: the packet's metadata field (Nest 12: ctx.getMetadata(); Nest 11: as the library's server strategy read it off the packet).
  return ((ctx as { getMetadata?: () => unknown }).getMetadata?.() ?? currentInbound()?.packetField) as Record<string, unknown> | undefined;
}

interface Hop {
  a: MessageMetadata;
  b: Seen;
}

/**
 * One suite, run over every transport: the controllers are made per transport
 * with a unique `ns` in their patterns, so that parallel suites sharing a
 * broker never see each other's messages.
 */
function makeControllers(ns: string) {
  const events: Seen[] = [];
  const GetUserHere = defineMessage({
    pattern: { cmd: 'get_user', ns },
    versions: GetUser.versions,
    upcast: { 1: (v1: GetUserV1) => ({ id: v1.userId }) },
    response: UserDto,
  });

  @Controller()
  class HopB {
    @MessagePattern({ cmd: 'probe', ns })
    probe(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata): Seen {
      return { data, meta };
    }

    @EventPattern({ cmd: 'event', ns })
    event(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata): void {
      events.push({ data, meta });
    }

    @MessagePattern({ cmd: 'raw', ns })
    raw(@Payload() _data: unknown, @Ctx() ctx: unknown): unknown {
      return nativeMetadata(ctx) ?? null;
    }

    @MessagePattern({ cmd: 'hang', ns })
    hang() {
      return NEVER;
    }

    @MessageHandler(GetUserHere)
    getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata) {
      if (dto.id === 404) throw new NotFoundException(`user ${dto.id} does not exist`);
      return { id: dto.id, name: `${dto.constructor.name}:${meta.payloadVersion}` };
    }
  }

  @Injectable()
  class Forwarder {
    constructor(@InjectMessagingClient('next') readonly next: MessagingClient) {}
  }

  @Controller()
  class HopA {
    constructor(private readonly forwarder: Forwarder) {}

    @MessagePattern({ cmd: 'forward', ns })
    async forward(@Payload() data: unknown, @MessageMeta() meta: MessageMetadata): Promise<Hop> {
      const b = await this.forwarder.next.request<Seen>({ cmd: 'probe', ns }, data, { timeout: 3000 });
      return { a: meta, b };
    }
  }

  return { HopA, HopB, Forwarder, events, GetUserHere };
}

async function clientApp(ep: Endpoint): Promise<{ ctx: INestApplicationContext; client: MessagingClient }> {
  const ctx = await Test.createTestingModule({
    imports: [MessagingModule.forRoot({ defaults: { timeout: 3000 }, clients: [{ name: 'svc', ...nestOptions(ep) }] })],
  }).compile();
  await ctx.init();
  return { ctx, client: ctx.get<MessagingClient>(getMessagingClientToken('svc')) };
}

describe.each(TRANSPORTS)(`transport %s (Nest ${nestMajor})`, (transport: TransportName) => {
  describeWithBroker(BROKER_OF[transport], `metadata and calls over ${transport} (Nest ${nestMajor})`, () => {
    const ns = uniqueName(transport);
    const { HopA, HopB, Forwarder, events, GetUserHere } = makeControllers(ns);
    let ep: Endpoint;
    let server: INestMicroservice;
    let app: INestApplicationContext;
    let client: MessagingClient;

    beforeAll(async () => {
      ep = await endpoint(transport);
      server = await startServer(ep, [HopA, HopB], {
        providers: [Forwarder],
        imports: [MessagingModule.forRoot({ clients: [{ name: 'next', ...nestOptions(ep) }] })],
      });
      ({ ctx: app, client } = await clientApp(ep));
    });
    afterAll(async () => {
      await app?.close();
      await server?.close();
    });

    it('carries the metadata of a request to the handler, with object and primitive payloads', async () => {
      const before = Date.now();
      const result = await runWithMessageContext({ correlationId: `corr-${transport}`, app: { tenant: 'acme' } }, () =>
        client.request<Seen>({ cmd: 'probe', ns }, { id: 1, nested: { list: [1, 2] } }, { payloadVersion: 2 }),
      );
      expect(result.data).toEqual({ id: 1, nested: { list: [1, 2] } });
      expect(result.meta).toMatchObject({ correlationId: `corr-${transport}`, attempt: 1, payloadVersion: 2, app: { tenant: 'acme' } });
      expect(result.meta.messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(result.meta.causationId).toBeUndefined();
      expect(result.meta.sentAt).toBeGreaterThanOrEqual(before);
      for (const payload of [42, 'text']) {
        const r = await runWithMessageContext({ correlationId: 'corr-prim' }, () => client.request<Seen>({ cmd: 'probe', ns }, payload));
        expect(r.data).toEqual(payload);
        expect(r.meta.correlationId).toBe('corr-prim');
      }
    });

    it('puts the metadata where the transport carries it', async () => {
      const raw = await runWithMessageContext({ correlationId: 'corr-raw' }, () =>
        client.request<Record<string, string>>({ cmd: 'raw', ns }, {}),
      );
      expect(raw).toMatchObject({ 'msg-correlation-id': 'corr-raw' });
      expect(raw['msg-id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
      // Defaults stay off the wire: no format key, no attempt number for a first attempt.
      expect(raw).not.toHaveProperty('msg-format');
      expect(raw).not.toHaveProperty('msg-attempt');
    });

    it('carries the metadata of events', async () => {
      events.length = 0;
      await runWithMessageContext({ correlationId: `ev-${transport}`, app: { locale: 'fr' } }, () =>
        lastValueFrom(client.emit({ cmd: 'event', ns }, { id: 7 })),
      );
      await waitFor(() => events.length === 1, 5000, 'the event');
      expect(events[0]!.data).toEqual({ id: 7 });
      expect(events[0]!.meta).toMatchObject({ correlationId: `ev-${transport}`, app: { locale: 'fr' } });
    });

    it('keeps the correlation id and application keys across two hops, with causation ids', async () => {
      const hop = await runWithMessageContext({ correlationId: `hop-${transport}`, app: { tenant: 't1' } }, () =>
        client.request<Hop>({ cmd: 'forward', ns }, { x: 1 }),
      );
      expect(hop.a.correlationId).toBe(`hop-${transport}`);
      expect(hop.a.causationId).toBeUndefined();
      expect(hop.b.data).toEqual({ x: 1 });
      expect(hop.b.meta.correlationId).toBe(`hop-${transport}`);
      expect(hop.b.meta.causationId).toBe(hop.a.messageId);
      expect(hop.b.meta.messageId).not.toBe(hop.a.messageId);
      expect(hop.b.meta.app).toEqual({ tenant: 't1' });
    });

    it('times out a handler that never answers within its budget', async () => {
      const started = performance.now();
      const err = await client.request({ cmd: 'hang', ns }, {}, { timeout: 300 }).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(MessagingTimeoutError);
      expect(err).toMatchObject({ code: MessagingErrorCode.DEADLINE_EXCEEDED, timeout: 300 });
      expect(elapsed).toBeGreaterThanOrEqual(299);
      expect(elapsed).toBeLessThan(800);
    });

    it('carries metadata through a ClientProxy made elsewhere with MessagingClientSerializer', async () => {
      const opts = nestOptions(ep) as ClientOptions & { options: Record<string, unknown> };
      const proxy = ClientProxyFactory.create({
        ...opts,
        options: { ...opts.options, serializer: new MessagingClientSerializer(undefined, opts.transport) },
      } as ClientOptions);
      const wrapped = MessagingClient.wrap(proxy, 'wrapped', { timeout: 3000 });
      try {
        const result = await runWithMessageContext({ correlationId: 'corr-wrapped', app: { tenant: 'w' } }, () =>
          wrapped.request<Seen>({ cmd: 'probe', ns }, { w: 1 }),
        );
        expect(result.data).toEqual({ w: 1 });
        expect(result.meta).toMatchObject({ correlationId: 'corr-wrapped', app: { tenant: 'w' } });
      } finally {
        await proxy.close();
      }
    });

    it('upcasts a versioned payload and hands the handler the current DTO', async () => {
      expect(await client.request(GetUserHere, { userId: 5 }, { version: 1 })).toEqual({ id: 5, name: 'GetUserV2:1' });
      expect(await client.request(GetUserHere, { id: 6 })).toEqual({ id: 6, name: 'GetUserV2:2' });
    });

    it('returns a structured error with its code, retryable flag and details', async () => {
      const invalid = await client.request(GetUserHere, { id: 'x' } as never).catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(MessagingRemoteError);
      expect(invalid).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
      expect((invalid as MessagingRemoteError).details).toMatchObject({ issues: [{ path: 'id' }] });
      await expect(client.request(GetUserHere, { id: 404 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        retryable: false,
        remote: { code: 'NOT_FOUND', message: 'user 404 does not exist', pattern: expect.any(String) },
      });
      await expect(client.request({ cmd: 'get_user', ns }, { id: 1 }, { payloadVersion: 7 })).rejects.toMatchObject({
        code: 'UNSUPPORTED_VERSION',
      });
    });
  });
});
