import { GrpcStatus, messagingCodeOfGrpcStatus, type GrpcRemoteStatus } from '../../errors/grpc-status';
import {
  describePattern,
  MessagingConnectionError,
  MessagingError,
  MessagingRemoteError,
  type MessagingErrorFields,
} from '../../errors/messaging.errors';
import { readErrorTrailer } from '../../wire/transports/grpc';
import { classifyError } from '../classify-error';

/** What `@grpc/grpc-js` fails a call with (its `ServiceError`). @internal */
export interface GrpcServiceError extends Error {
  readonly code: number;
  readonly details?: string;
  readonly metadata?: unknown;
}

/** Whether `err` is a gRPC status error. @internal */
export function isGrpcServiceError(err: unknown): err is GrpcServiceError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'details' in err;
}

/**
 * Turns what a gRPC call failed with into a {@link MessagingError}:
 * - a status that carries the library's structured error in its trailing
 *   metadata (a library server): a MessagingRemoteError with that error's
 *   code, message, details and `retryable`;
 * - UNAVAILABLE without it (the channel could not connect, the connection
 *   broke, or a peer said so): a MessagingConnectionError, retryable;
 * - any other status: a MessagingRemoteError with the code of the same name
 *   (see `messagingCodeOfGrpcStatus`), not retryable;
 * - anything else (the request stream's own error): as for any client.
 * The status itself is kept in `remote` (see {@link GrpcRemoteStatus}).
 * @internal
 */
export function classifyGrpcError(err: unknown, fields: MessagingErrorFields): MessagingError {
  if (err instanceof MessagingError) return err;
  if (!isGrpcServiceError(err)) return classifyError(err, fields);
  const where = `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}'`;
  const wire = readErrorTrailer(err.metadata);
  const details = err.details ?? err.message;
  if (!wire && err.code === GrpcStatus.UNAVAILABLE) {
    return new MessagingConnectionError(`${where}: unavailable: ${details}`, { ...fields, cause: err });
  }
  const code = wire?.code ?? messagingCodeOfGrpcStatus(err.code);
  const remote: GrpcRemoteStatus = wire ? { grpcCode: err.code, message: wire.message, error: wire } : { grpcCode: err.code, message: details };
  return new MessagingRemoteError(`${where}: remote error ${code}: ${remote.message}`, code, wire?.retryable === true, remote, {
    ...fields,
    details: wire?.details,
  });
}
