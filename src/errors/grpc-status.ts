import { isMessagingErrorCode, MessagingErrorCode } from './error-codes';
import { MessagingError, MessagingRemoteError } from './messaging.errors';
import { toWireError, type WireError } from './wire-error';

/**
 * gRPC's status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html),
 * as numbers on the wire. The library's error codes carry the same names.
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One of {@link GrpcStatus}'s values. */
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

const BY_NUMBER = new Map<number, string>(Object.entries(GrpcStatus).map(([name, n]) => [n, name]));

/**
 * The gRPC status code of a library error code: the same name, except
 * `UNSUPPORTED_VERSION`, which gRPC does not have: `INVALID_ARGUMENT` (the
 * trailing metadata still says `UNSUPPORTED_VERSION`).
 *
 * @example
 * grpcStatusOf(MessagingErrorCode.NOT_FOUND) // 5
 */
export function grpcStatusOf(code: MessagingErrorCode): GrpcStatus {
  return code === MessagingErrorCode.UNSUPPORTED_VERSION ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus[code];
}

/**
 * The library error code of a gRPC status code: the same name, except the
 * three gRPC has and the library does not: `ABORTED` -> `FAILED_PRECONDITION`,
 * `OUT_OF_RANGE` -> `INVALID_ARGUMENT`, `DATA_LOSS` -> `INTERNAL`; an unknown
 * number -> `UNKNOWN`.
 *
 * @example
 * messagingCodeOfGrpcStatus(14) // 'UNAVAILABLE'
 */
export function messagingCodeOfGrpcStatus(status: number): MessagingErrorCode {
  const name = BY_NUMBER.get(status);
  if (name === 'ABORTED') return MessagingErrorCode.FAILED_PRECONDITION;
  if (name === 'OUT_OF_RANGE') return MessagingErrorCode.INVALID_ARGUMENT;
  if (name === 'DATA_LOSS') return MessagingErrorCode.INTERNAL;
  return isMessagingErrorCode(name) ? name : MessagingErrorCode.UNKNOWN;
}

/**
 * What a gRPC peer answered, kept as the `remote` of a {@link MessagingRemoteError}
 * raised by the library's gRPC client.
 */
export interface GrpcRemoteStatus {
  /** The gRPC status code. */
  readonly grpcCode: number;
  /** The status message (gRPC's `details` string). */
  readonly message: string;
  /** The library's structured error, when the peer is the library's server (its trailing metadata). */
  readonly error?: WireError;
}

/** What a server answers for a failure: a gRPC status, and the library's error behind it when it is one. */
export interface GrpcFailure {
  /** The gRPC status code. */
  readonly code: number;
  /** The status message. */
  readonly details: string;
  /** The library's structured error, for the trailing metadata. */
  readonly error?: WireError;
}

const NEST_GENERIC: Readonly<Record<string, GrpcStatus>> = {
  'Internal server error': GrpcStatus.INTERNAL,
  'Forbidden resource': GrpcStatus.PERMISSION_DENIED,
};

/**
 * The gRPC status a server answers for whatever a handler failed with: the
 * library's wire error by its code (with the error itself, for the trailing
 * metadata); a status a handler built itself (`RpcException({ code: status.NOT_FOUND, message })`)
 * as it is; Nest's generic errors by meaning ('Internal server error' ->
 * INTERNAL, 'Forbidden resource' -> PERMISSION_DENIED), any other text as
 * UNKNOWN; an `Error` as `toWireError` maps it (INTERNAL, without its
 * message, for an unexpected one).
 * @internal
 */
export function grpcFailureOf(failure: unknown): GrpcFailure {
  if (failure instanceof Error) return grpcFailureOf(toWireError(failure, {}).payload);
  if (typeof failure === 'string') return { code: GrpcStatus.UNKNOWN, details: failure };
  if (failure === null || typeof failure !== 'object') return { code: GrpcStatus.INTERNAL, details: 'Internal server error' };
  const obj = failure as Record<string, unknown>;
  const message = typeof obj.message === 'string' ? obj.message : undefined;
  if (typeof obj.code === 'number' && Number.isInteger(obj.code) && obj.code > 0 && obj.code <= 16) {
    return { code: obj.code, details: typeof obj.details === 'string' ? obj.details : (message ?? '') };
  }
  if (isMessagingErrorCode(obj.code)) {
    return { code: grpcStatusOf(obj.code), details: message ?? obj.code, error: failure as WireError };
  }
  if (message !== undefined) return { code: NEST_GENERIC[message] ?? GrpcStatus.UNKNOWN, details: message };
  return { code: GrpcStatus.UNKNOWN, details: 'Unknown error' };
}

/**
 * The gRPC status code a failed call of the library's gRPC client ended
 * with: the peer's own, or the one of the error's code (a timeout, a
 * connection failure, an open circuit).
 * @internal
 */
export function grpcStatusOfCallError(error: MessagingError): number {
  const remote = error instanceof MessagingRemoteError ? (error.remote as Partial<GrpcRemoteStatus> | null) : undefined;
  return typeof remote?.grpcCode === 'number' ? remote.grpcCode : grpcStatusOf(error.code);
}
