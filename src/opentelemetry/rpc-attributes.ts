import type { Attributes } from '@opentelemetry/api';
import { grpcFailureOf, grpcStatusOfCallError, GrpcStatus } from '../errors/grpc-status';
import type { MessagingError } from '../errors/messaging.errors';

/**
 * The RPC semantic conventions' attributes of a gRPC method
 * (https://opentelemetry.io/docs/specs/semconv/rpc/grpc/): `rpc.system`,
 * `rpc.service` and `rpc.method`, from its full name `package.Service/Method`.
 * @internal
 */
export function rpcAttributes(fullMethod: string): Attributes {
  const slash = fullMethod.lastIndexOf('/');
  return {
    'rpc.system': 'grpc',
    'rpc.service': slash < 0 ? fullMethod : fullMethod.slice(0, slash),
    'rpc.method': slash < 0 ? fullMethod : fullMethod.slice(slash + 1),
  };
}

/** `rpc.grpc.status_code` of a client call: 0, or the status it failed with. @internal */
export function clientStatusCode(error: MessagingError | undefined): number {
  return error === undefined ? GrpcStatus.OK : grpcStatusOfCallError(error);
}

/** `rpc.grpc.status_code` of a handled call: 0, or the status the server answers for its failure. @internal */
export function serverStatusCode(error: unknown): number {
  return error === undefined ? GrpcStatus.OK : grpcFailureOf(error).code;
}

const SERVER_FAULTS: ReadonlySet<number> = new Set([
  GrpcStatus.UNKNOWN,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.UNIMPLEMENTED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** Whether a SERVER span that ended with `status` is marked failed (the conventions' list). @internal */
export function isServerFault(status: number): boolean {
  return SERVER_FAULTS.has(status);
}
