import { types } from 'node:util';
import { isMessagingErrorCode, MessagingErrorCode } from '../errors/error-codes';
import {
  describePattern,
  MessagingConnectionError,
  MessagingError,
  MessagingRemoteError,
  type MessagingErrorFields,
} from '../errors/messaging.errors';

/** Node's and the broker clients' codes for "the peer cannot be reached". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/** Messages of connection failures that carry no code. */
const CONNECTION_MESSAGES = new Set(['Connection closed']);

/** What Nest sends when no handler matches the pattern. */
const NO_HANDLER = 'There is no matching message handler defined in the remote service.';

/** What Nest's exception filter sends for errors it does not know, and for a refused guard. */
const NEST_GENERIC: Record<string, MessagingErrorCode> = {
  'Internal server error': MessagingErrorCode.INTERNAL,
  'Forbidden resource': MessagingErrorCode.PERMISSION_DENIED,
};

/**
 * Turns whatever a ClientProxy call failed with into a {@link MessagingError}:
 * local `Error`s are transport failures, anything else is what the remote
 * handler sent.
 * @internal
 */
export function classifyError(err: unknown, fields: MessagingErrorFields): MessagingError {
  if (err instanceof MessagingError) return err;
  const where = `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}'`;
  // isNativeError: errors of Node's core may come from another realm (jest's vm, worker code).
  if (err instanceof Error || types.isNativeError(err)) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.has(err.message)) {
      return new MessagingConnectionError(`${where}: connection failed: ${err.message}`, { ...fields, cause: err });
    }
    return new MessagingError(`${where} failed in the client: ${err.message}`, MessagingErrorCode.INTERNAL, false, {
      ...fields,
      cause: err,
    });
  }
  return remoteError(err, fields, where);
}

function remoteError(remote: unknown, fields: MessagingErrorFields, where: string): MessagingRemoteError {
  if (typeof remote === 'string') {
    const code = remote === NO_HANDLER ? MessagingErrorCode.UNIMPLEMENTED : MessagingErrorCode.UNKNOWN;
    return new MessagingRemoteError(`${where}: remote error: ${remote}`, code, false, remote, fields);
  }
  const obj = remote !== null && typeof remote === 'object' ? (remote as Record<string, unknown>) : {};
  const message = typeof obj.message === 'string' ? obj.message : JSON.stringify(remote) ?? String(remote);
  const code = isMessagingErrorCode(obj.code)
    ? obj.code
    : (NEST_GENERIC[message] ?? MessagingErrorCode.UNKNOWN);
  return new MessagingRemoteError(`${where}: remote error ${code}: ${message}`, code, obj.retryable === true, remote, {
    ...fields,
    details: obj.details,
  });
}
