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

/** Codes of broker clients for "the broker cannot be reached" (nats 2.x NatsError codes). */
const BROKER_CODES = new Set([
  'CONNECTION_REFUSED',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_TIMEOUT',
  'DISCONNECT',
]);

/** Error classes of broker clients for the same (@nats-io 3.x, ioredis). */
const BROKER_ERROR_NAMES = new Set([
  'ConnectionError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'MaxRetriesPerRequestError',
]);

/** Messages of connection failures that carry no code (Nest's, ioredis', mqtt's, nats'). */
const CONNECTION_MESSAGES = new Set([
  'Connection closed',
  'Connection is closed.',
  'connection refused',
  'connection closed',
  'client disconnecting',
  "Stream isn't writeable and enableOfflineQueue options is false",
]);

/**
 * What Nest's Redis, NATS and MQTT clients reject with, as a STRING, while
 * their broker connection is down (not a remote error).
 */
const RECONNECTING = 'Error: Connection lost. Trying to reconnect...';

/** amqplib: the channel or connection under a call closed (broker stopped or forced the close). */
const AMQP_CLOSED = /^(channel closed|connection closed: \d+)/i;

/** NATS: no server subscribes to the subject (Nest's EmptyResponseException). */
const NO_SUBSCRIBERS = /^Empty response\. There are no subscribers listening to that message/;

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
  const broker = brokerFailure(err);
  if (broker !== undefined) {
    return new MessagingConnectionError(`${where}: connection failed: ${broker}`, { ...fields, cause: err });
  }
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

/** Text of a broker connection failure, or `undefined` when `err` is not one. */
function brokerFailure(err: unknown): string | undefined {
  if (err === RECONNECTING) return 'the broker connection is lost; the client is reconnecting';
  if (err instanceof Error || types.isNativeError(err)) {
    const { code } = err as { code?: unknown };
    if (typeof code === 'string' && BROKER_CODES.has(code)) return err.message;
    if (BROKER_ERROR_NAMES.has(err.name) || BROKER_ERROR_NAMES.has(err.constructor?.name)) return err.message;
    if (AMQP_CLOSED.test(err.message)) return err.message;
    if (NO_SUBSCRIBERS.test(err.message)) return `no server subscribes to the pattern (${err.message})`;
    return undefined;
  }
  // amqp-connection-manager's connectFailed payload, passed on by ClientRMQ: { err, url }, not an Error.
  if (err !== null && typeof err === 'object' && 'err' in err && 'url' in err) {
    const inner = (err as { err: unknown }).err;
    const code = (inner as { code?: unknown } | null)?.code;
    if (inner instanceof Error || types.isNativeError(inner) || (typeof code === 'string' && CONNECTION_CODES.has(code))) {
      // (the url is left out: it may hold credentials)
      return String((inner as { message?: unknown }).message ?? code);
    }
  }
  return undefined;
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
