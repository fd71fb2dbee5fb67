/**
 * Type tests of `nestjs-messaging/testing`, compiled by `npm run typecheck`
 * (never run): each `@ts-expect-error` line must fail to compile.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { of } from 'rxjs';
import type { MessageMetadata } from '../../src';
import { MessagingTestHarness, type RecordedMessage } from '../../src/testing';
import { GetUser, GetUserV2, UserCreated, UserCreatedV2, type UserDto } from '../fixtures/users.contracts';

declare const app: INestApplicationContext;
const harness = new MessagingTestHarness();

export function stubTypes(): void {
  const users = harness.override(app, 'users');

  // A stub of GetUser receives the decoded current version and returns a UserDto (or a promise or stream of one).
  users.stub(GetUser, (dto: GetUserV2, meta: MessageMetadata) => ({ id: dto.id, name: meta.correlationId }));
  users.stub(GetUser, async (dto) => ({ id: dto.id, name: 'Ada' }));
  users.stub(GetUser, (dto) => of({ id: dto.id, name: 'Ada' }));

  // @ts-expect-error a stub for GetUser must return a UserDto: name is missing
  users.stub(GetUser, (dto) => ({ id: dto.id }));

  // @ts-expect-error a stub for GetUser must return a UserDto: id has the wrong type
  users.stub(GetUser, async () => ({ id: '1', name: 'Ada' }));

  // @ts-expect-error the payload is the current version's (v2 has no userId)
  users.stub(GetUser, (dto) => ({ id: dto.userId, name: 'Ada' }));

  // An event stub receives the decoded current version.
  users.stub(UserCreated, (event: UserCreatedV2) => void event.source);

  // @ts-expect-error the event's payload has no name
  users.stub(UserCreated, (event) => void event.name);

  // A plain pattern's stub is typed by its type arguments.
  users.stub<number, { a: number }>({ cmd: 'sum' }, (payload) => payload.a);
  // @ts-expect-error the declared result type is number
  users.stub<number, { a: number }>({ cmd: 'sum' }, () => 'text');
}

export function recorderTypes(): void {
  // Records of a contract carry its payload (any version) and its response.
  const sent: RecordedMessage<{ userId: number } | { id: number; locale?: string }, UserDto>[] = harness.sent(GetUser);
  const first = harness.sent(GetUser)[0]!;
  if (first.outcome.status === 'ok') {
    const user: UserDto | undefined = first.outcome.response;
    void user;
  }
  // @ts-expect-error the response of GetUser is a UserDto
  const wrong: RecordedMessage<unknown, string>[] = harness.sent(GetUser);
  void sent;
  void wrong;

  // waitFor's filter sees the contract's payload.
  void harness.waitFor('consumed', UserCreated, { where: (m) => m.payload.id === 42 });
  // @ts-expect-error UserCreated's payload has no name
  void harness.waitFor('consumed', UserCreated, { where: (m) => m.payload.name === 'x' });
}
