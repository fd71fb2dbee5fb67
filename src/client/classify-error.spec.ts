import { MessagingConnectionError, MessagingRemoteError } from '../errors/messaging.errors';
import { classifyError } from './classify-error';

const fields = { pattern: { cmd: 'x' }, client: 'svc' };

/** The shapes broker clients fail with (research of Nest 11/12 with real unreachable brokers), not remote errors. */
describe('classifyError: broker connection failures', () => {
  class NatsError extends Error {
    constructor(
      message: string,
      readonly code: string,
    ) {
      super(message);
    }
  }
  class ConnectionError extends Error {
    override name = 'ConnectionError';
  }

  it.each([
    ['the string Nest rejects with while reconnecting (Redis, NATS, MQTT)', 'Error: Connection lost. Trying to reconnect...'],
    ["amqp-connection-manager's connectFailed object (RMQ)", { err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' }), url: 'amqp://guest:guest@127.0.0.1:5672' }],
    ['nats 2.x NatsError', new NatsError('CONNECTION_REFUSED', 'CONNECTION_REFUSED')],
    ['@nats-io 3.x ConnectionError', new ConnectionError('connection refused')],
    ['ioredis closed connection', new Error('Connection is closed.')],
    ['amqplib closed channel', new Error('channel closed')],
    ['NATS without subscribers', new Error('Empty response. There are no subscribers listening to that message ("{"cmd":"x"}")')],
  ])('%s is UNAVAILABLE', (_, err) => {
    const classified = classifyError(err, fields);
    expect(classified).toBeInstanceOf(MessagingConnectionError);
    expect(classified).toMatchObject({ code: 'UNAVAILABLE', retryable: true, cause: err });
    expect(classified.message).not.toContain('guest:guest');
  });

  it('still treats other strings and objects as remote errors', () => {
    expect(classifyError('Connection lost', fields)).toBeInstanceOf(MessagingRemoteError);
    expect(classifyError({ err: 'x', url: 'y' }, fields)).toBeInstanceOf(MessagingRemoteError);
    expect(classifyError({ status: 'error', message: 'Internal server error' }, fields)).toMatchObject({ code: 'INTERNAL' });
  });
});
