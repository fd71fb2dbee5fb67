"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.classifyError = classifyError;
const node_util_1 = require("node:util");
const error_codes_1 = require("../errors/error-codes");
const messaging_errors_1 = require("../errors/messaging.errors");
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
const NEST_GENERIC = {
    'Internal server error': error_codes_1.MessagingErrorCode.INTERNAL,
    'Forbidden resource': error_codes_1.MessagingErrorCode.PERMISSION_DENIED,
};
/**
 * Turns whatever a ClientProxy call failed with into a {@link MessagingError}:
 * local `Error`s are transport failures, anything else is what the remote
 * handler sent.
 * @internal
 */
function classifyError(err, fields) {
    if (err instanceof messaging_errors_1.MessagingError)
        return err;
    const where = `${(0, messaging_errors_1.describePattern)(fields.pattern)} on client '${fields.client ?? '?'}'`;
    const broker = brokerFailure(err);
    if (broker !== undefined) {
        return new messaging_errors_1.MessagingConnectionError(`${where}: connection failed: ${broker}`, { ...fields, cause: err });
    }
    // isNativeError: errors of Node's core may come from another realm (jest's vm, worker code).
    if (err instanceof Error || node_util_1.types.isNativeError(err)) {
        const code = err.code;
        if ((code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.has(err.message)) {
            return new messaging_errors_1.MessagingConnectionError(`${where}: connection failed: ${err.message}`, { ...fields, cause: err });
        }
        return new messaging_errors_1.MessagingError(`${where} failed in the client: ${err.message}`, error_codes_1.MessagingErrorCode.INTERNAL, false, {
            ...fields,
            cause: err,
        });
    }
    return remoteError(err, fields, where);
}
/** Text of a broker connection failure, or `undefined` when `err` is not one. */
function brokerFailure(err) {
    if (err === RECONNECTING)
        return 'the broker connection is lost; the client is reconnecting';
    if (err instanceof Error || node_util_1.types.isNativeError(err)) {
        const { code } = err;
        if (typeof code === 'string' && BROKER_CODES.has(code))
            return err.message;
        if (BROKER_ERROR_NAMES.has(err.name) || BROKER_ERROR_NAMES.has(err.constructor?.name))
            return err.message;
        if (AMQP_CLOSED.test(err.message))
            return err.message;
        if (NO_SUBSCRIBERS.test(err.message))
            return `no server subscribes to the pattern (${err.message})`;
        return undefined;
    }
    // amqp-connection-manager's connectFailed payload, passed on by ClientRMQ: { err, url }, not an Error.
    if (err !== null && typeof err === 'object' && 'err' in err && 'url' in err) {
        const inner = err.err;
        const code = inner?.code;
        if (inner instanceof Error || node_util_1.types.isNativeError(inner) || (typeof code === 'string' && CONNECTION_CODES.has(code))) {
            // (the url is left out: it may hold credentials)
            return String(inner.message ?? code);
        }
    }
    return undefined;
}
function remoteError(remote, fields, where) {
    if (typeof remote === 'string') {
        const code = remote === NO_HANDLER ? error_codes_1.MessagingErrorCode.UNIMPLEMENTED : error_codes_1.MessagingErrorCode.UNKNOWN;
        return new messaging_errors_1.MessagingRemoteError(`${where}: remote error: ${remote}`, code, false, remote, fields);
    }
    const obj = remote !== null && typeof remote === 'object' ? remote : {};
    const message = typeof obj.message === 'string' ? obj.message : JSON.stringify(remote) ?? String(remote);
    const code = (0, error_codes_1.isMessagingErrorCode)(obj.code)
        ? obj.code
        : (NEST_GENERIC[message] ?? error_codes_1.MessagingErrorCode.UNKNOWN);
    return new messaging_errors_1.MessagingRemoteError(`${where}: remote error ${code}: ${message}`, code, obj.retryable === true, remote, {
        ...fields,
        details: obj.details,
    });
}
