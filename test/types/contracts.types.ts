/**
 * Type tests, compiled by `npm run typecheck` (never run): each `@ts-expect-error`
 * line must fail to compile, or the type check fails.
 */
import type { Observable } from 'rxjs';
import type { MessagingClient } from '../../src';
import { CreateUser, GetUser, UserCreated, type UserDto } from '../fixtures/users.contracts';

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

  // Untyped calls keep working as with ClientProxy.
  const anything = await client.request<number>({ cmd: 'sum' }, [1, 2]);
  void anything;
}
