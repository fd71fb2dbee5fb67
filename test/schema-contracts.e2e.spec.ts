import { ClientProxyFactory, Payload, Transport } from '@nestjs/microservices';
import { z } from 'zod';
import { ContractViolationError, defineMessage, MessageHandler, MessagingClient, MessagingClientSerializer, MessagingRemoteError, type DecodedPayloadOf } from '../src';
import { CreateOrder, CreateOrderV2, OrderShipped } from './fixtures/schema.contracts';
import { Controller, nestMajor, startTcpServer, type RunningServer } from './support/nest';
import { decodePayload, toDto } from '../src/extend';

const received: unknown[] = [];

@Controller()
class OrdersController {
  @MessageHandler(CreateOrder)
  create(@Payload() order: DecodedPayloadOf<typeof CreateOrder>) {
    received.push(order);
    return { orderId: `${order.sku}-${order.qty}`, total: order.qty * 10, extra: 'stripped by the response schema' };
  }

  @MessageHandler({ cmd: 'bad_reply' })
  badReply() {
    return { orderId: 42 };
  }
}

const BadReply = defineMessage({ pattern: { cmd: 'bad_reply' }, versions: { 1: z.object({}) }, response: CreateOrder.response! });

describe(`Standard Schema contracts over TCP (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  let client: MessagingClient;
  beforeAll(async () => {
    server = await startTcpServer([OrdersController]);
    client = MessagingClient.wrap(
      ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: server.port, serializer: new MessagingClientSerializer() },
      }),
      'orders',
      { timeout: 3000 },
    );
  });
  afterAll(async () => {
    await client?.close();
    await client?.proxy.close();
    await server?.close();
  });
  beforeEach(() => (received.length = 0));

  it("hands the handler the schema's output (defaults, transforms) and validates the reply", async () => {
    const reply = await client.request(CreateOrder, { customer: { first: 'Ada', last: 'L' }, sku: 'ab-1' }, { validateResponses: true });
    expect(received).toEqual([{ customer: { first: 'Ada', last: 'L' }, sku: 'AB-1', qty: 1 }]);
    expect(reply).toEqual({ orderId: 'AB-1-1', total: 10 });
  });

  it('upcasts a valibot v1 payload to the zod v2 schema', async () => {
    await client.request(CreateOrder, { fullName: 'Grace Brewster Hopper', qty: 3 }, { version: 1 });
    expect(received).toEqual([{ customer: { first: 'Grace', last: 'Brewster Hopper' }, sku: 'LEGACY', qty: 3 }]);
  });

  it('refuses an invalid payload with INVALID_ARGUMENT and the issue paths, without calling the handler', async () => {
    const err = (await client
      .request(CreateOrder, { customer: { first: '', last: 'L' }, sku: 'a b', qty: 1.5, admin: true } as never)
      .catch((e: unknown) => e)) as MessagingRemoteError;
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    const issues = (err.details as { issues: { path: string; constraints: Record<string, string> }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'customer.first', 'qty', 'sku']);
    expect(Object.keys(issues.find((i) => i.path === 'qty')!.constraints)).toEqual(['invalid_type']);
    expect(received).toEqual([]);
  });

  it('refuses an invalid v1 payload with valibot issue names', async () => {
    const err = (await client.request(CreateOrder, { fullName: '', qty: 1 }, { version: 1 }).catch((e: unknown) => e)) as MessagingRemoteError;
    expect((err.details as { issues: unknown[] }).issues).toEqual([
      { path: 'fullName', constraints: { min_length: expect.stringContaining('length') as unknown } },
    ]);
  });

  it('checks payloads on the client before sending, and replies after', async () => {
    const local = await client.request(CreateOrder, { customer: { first: 'A', last: 'B' }, sku: '!' }, { validatePayloads: true }).catch((e: unknown) => e);
    expect(local).toBeInstanceOf(ContractViolationError);
    expect(received).toEqual([]);
    const bad = await client.request(BadReply, {}, { validateResponses: true }).catch((e: unknown) => e);
    // A reply that breaks its contract is the called service's fault: INTERNAL, the failed fields in details.
    expect(bad).toMatchObject({ code: 'INTERNAL', retryable: false });
    expect((bad as ContractViolationError).details.issues.map((i) => i.path)).toEqual(['orderId', 'total']);
  });
});

describe('decoding Standard Schema contracts', () => {
  it('keeps the payload guard (forbidden keys, depth) before the schema runs', async () => {
    const proto = JSON.parse('{"__proto__":{"x":1},"customer":{"first":"a","last":"b"},"sku":"a"}') as unknown;
    const err = (await decodePayload(CreateOrder, proto, 2).catch((e: unknown) => e)) as ContractViolationError;
    expect(err.details.issues).toEqual([{ path: '__proto__', constraints: { forbiddenKey: "property name '__proto__' is not allowed" } }]);
  });

  it('accepts any payload type the schema accepts, and awaits asynchronous schemas', async () => {
    await expect(toDto(z.string().min(2), 'ok', 1)).resolves.toBe('ok');
    const slow = z.string().refine(async (s) => s === 'yes', 'must be yes');
    await expect(toDto(slow, 'yes', 1)).resolves.toBe('yes');
    const err = (await toDto(slow, 'no', 1).catch((e: unknown) => e)) as ContractViolationError;
    expect(err.details.issues).toEqual([{ path: '', constraints: { custom: 'must be yes' } }]);
  });

  it('decodes an event contract', async () => {
    await expect(decodePayload(OrderShipped, { orderId: 'o', at: '2026-01-02T03:04:05Z' }, undefined)).resolves.toEqual({
      orderId: 'o',
      at: '2026-01-02T03:04:05Z',
    });
  });

  it('refuses a version that is neither a class nor a Standard Schema', () => {
    expect(() => defineMessage({ pattern: 'x', versions: { 1: { parse: () => 1 } as never } })).toThrow(/DTO class or a Standard Schema/);
    expect(() => defineMessage({ pattern: 'x', versions: { 1: CreateOrderV2 }, response: 'nope' as never })).toThrow(/response/);
  });
});
