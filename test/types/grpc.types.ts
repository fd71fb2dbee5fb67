/**
 * Type tests of the gRPC client, compiled by `npm run typecheck` (never run):
 * each `@ts-expect-error` line must fail to compile, or the type check fails.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import type { MessagingGrpcClient } from '../../src/grpc';

interface User {
  id: number;
  name: string;
}

/** A service interface as Nest users write it (or ts-proto's `nestJs` output generates it). */
interface UsersService {
  getUser(request: { id: number }, metadata?: Metadata): Observable<User>;
  listUsers(request: { page: number }): Observable<User>;
  upload(requests: Observable<User>): Observable<{ count: number }>;
  notAnRpc: string;
}

declare const grpc: MessagingGrpcClient;

export function grpcTypeTests(): void {
  const users = grpc.getService<UsersService>('UsersService');
  const user: Observable<User> = users.getUser({ id: 1 }, { timeout: 500, idempotent: true, metadata: { tenant: 'acme' } });
  const page: Observable<User> = users.listUsers({ page: 2 });
  const count: Observable<{ count: number }> = users.upload(null as unknown as Observable<User>);
  void user;
  void page;
  void count;

  // @ts-expect-error the request has the method's request type
  users.getUser({ id: 'one' });

  // @ts-expect-error the second argument is the call's options, not gRPC metadata
  users.getUser({ id: 1 }, { timeout: 'soon' });

  // @ts-expect-error only the methods that return an Observable are rpc methods
  void users.notAnRpc;

  // @ts-expect-error the reply type is the method's
  const wrong: Observable<{ count: number }> = users.getUser({ id: 1 });
  void wrong;
}
