/**
 * Type tests, compiled by `npm run typecheck` (never run): each `@ts-expect-error`
 * line must fail to compile, or the type check fails.
 */
import type { Observable } from 'rxjs';
import type { DecodedPayloadOf, MessagingClient, PayloadOf, StandardSchemaV1 } from '../../src';
import { defineMessage } from '../../src';
import { CreateOrder, OrderShipped } from '../fixtures/schema.contracts';
import { CreateUser, GetUser, GetUserV2, UserCreated, type UserDto } from '../fixtures/users.contracts';

declare const client: MessagingClient;

export async function typeTests(): Promise<void> {
  // The current version's shape compiles and resolves to the response type.
  const user: UserDto = await client.request(GetUser, { id: 1 });
  const stream: Observable<UserDto> = client.send(GetUser, { id: 1, locale: 'fr' });
  void user;
  void stream;

  // An older version, chosen explicitly, takes that version's shape.
  await client.request(GetUser, { userId: 1 }, { version: 1 });

  // @ts-expect-error the v1 shape is not the current version's
  await client.request(GetUser, { userId: 1 });

  // @ts-expect-error the v2 shape does not fit version 1
  await client.request(GetUser, { id: 1 }, { version: 1 });

  // @ts-expect-error version 3 does not exist
  await client.request(GetUser, { id: 1 }, { version: 3 });

  // @ts-expect-error a required field is missing
  await client.request(GetUser, {});

  // @ts-expect-error a field has the wrong type
  await client.request(GetUser, { id: '1' });

  // @ts-expect-error unknown property
  await client.request(GetUser, { id: 1, admin: true });

  // @ts-expect-error the response is a UserDto, not a string
  const wrong: string = await client.request(GetUser, { id: 1 });
  void wrong;

  // @ts-expect-error nested objects are checked too
  await client.request(CreateUser, { name: 'a', email: 'a@b.c', address: { zip: 1, city: 'x' } });

  // Events: the contract's current payload; no event contract for send/request.
  client.emit(UserCreated, { id: 1, source: 'signup' });
  // @ts-expect-error the v2 event needs `source`
  client.emit(UserCreated, { id: 1 });
  client.emit(UserCreated, { id: 1 }, { version: 1 });
  // @ts-expect-error an event contract is not a message contract
  await client.request(UserCreated, { id: 1, source: 'x' });

  // Standard Schema contracts: the client sends the schema's INPUT type...
  const order: { orderId: string; total: number } = await client.request(CreateOrder, { customer: { first: 'a', last: 'b' }, sku: 'x' });
  void order;
  // (`qty` has a default: optional in the input, a number in the output the handler gets)
  const decoded: DecodedPayloadOf<typeof CreateOrder> = { customer: { first: 'a', last: 'b' }, sku: 'X', qty: 1 };
  void decoded;
  // @ts-expect-error the decoded payload always has `qty`
  const noQty: DecodedPayloadOf<typeof CreateOrder> = { customer: { first: 'a', last: 'b' }, sku: 'X' };
  void noQty;
  // @ts-expect-error a required field of the schema's input is missing
  await client.request(CreateOrder, { customer: { first: 'a', last: 'b' } });
  // @ts-expect-error a field has the wrong type for the schema
  await client.request(CreateOrder, { customer: { first: 'a', last: 'b' }, sku: 1 });
  // @ts-expect-error the reply is the response schema's output, not a string
  const notString: string = await client.request(CreateOrder, { customer: { first: 'a', last: 'b' }, sku: 'x' });
  void notString;
  // An older version (valibot) takes its own input type.
  await client.request(CreateOrder, { fullName: 'A B', qty: 1 }, { version: 1 });
  // @ts-expect-error the v1 schema needs `qty`
  await client.request(CreateOrder, { fullName: 'A B' }, { version: 1 });
  client.emit(OrderShipped, { orderId: 'o', at: '2026-01-01T00:00:00Z' });
  // @ts-expect-error the event schema needs `at`
  client.emit(OrderShipped, { orderId: 'o' });

  // Any Standard Schema works, not only zod and valibot: here a hand-written one.
  const Hand: StandardSchemaV1<{ n: string }, { n: number }> = {
    '~standard': { version: 1, vendor: 'hand', validate: (v) => ({ value: { n: Number((v as { n: string }).n) } }) },
  };
  const HandContract = defineMessage({ pattern: 'hand', versions: { 1: Hand }, response: Hand });
  const handReply: { n: number } = await client.request(HandContract, { n: '1' });
  void handReply;
  // @ts-expect-error the input type of the hand-written schema has `n: string`
  await client.request(HandContract, { n: 1 });
  const handPayload: PayloadOf<typeof HandContract> = { n: '1' };
  void handPayload;

  // Mixed contracts: a class version upcast to a schema version, the upcaster typed by the DTO.
  defineMessage({
    pattern: 'mixed',
    versions: { 1: GetUserV2, 2: CreateOrder.versions[2] },
    upcast: { 1: (v1) => ({ customer: { first: String(v1.id), last: 'x' }, sku: 'y' }) },
  });
  defineMessage({
    pattern: 'mixed',
    versions: { 1: GetUserV2, 2: CreateOrder.versions[2] },
    // @ts-expect-error the upcaster receives the v1 DTO, which has no `name`
    upcast: { 1: (v1) => ({ sku: v1.name }) },
  });

  // A DTO class with methods: a plain object literal of its data fields is a valid payload.
  class WithMethods {
    name!: string;
    tags?: string[];
    nested!: { when: Date; label(): string };
    greet(): string {
      return `hi ${this.name}`;
    }
  }
  const WithMethodsContract = defineMessage({ pattern: 'with-methods', versions: { 1: WithMethods } });
  await client.request(WithMethodsContract, { name: 'a', nested: { when: new Date() } });
  // @ts-expect-error a data field is still required
  await client.request(WithMethodsContract, { nested: { when: new Date() } });
  // @ts-expect-error a method is not a payload field
  await client.request(WithMethodsContract, { name: 'a', nested: { when: new Date() }, greet: () => 'x' });

  // Untyped calls keep working as with ClientProxy.
  const anything = await client.request<number>({ cmd: 'sum' }, [1, 2]);
  void anything;
}
