import { join } from 'node:path';
import { ServerMqtt, ServerNats, Transport } from '@nestjs/microservices';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { MessagingModule } from '../module/messaging.module';
import { messagingMicroservice } from './messaging-microservice';
import { MessagingServerGrpc } from './messaging-server-grpc';
import { MessagingServerRedis } from './messaging-server-redis';
import { MessagingServerRMQ } from './messaging-server-rmq';
import { MessagingServerTCP } from './messaging-server-tcp';

describe('messagingMicroservice', () => {
  it('builds the server of each supported transport', () => {
    expect(messagingMicroservice({ transport: Transport.TCP }).strategy).toBeInstanceOf(MessagingServerTCP);
    expect(messagingMicroservice({ transport: Transport.REDIS, options: {} }).strategy).toBeInstanceOf(MessagingServerRedis);
    expect(messagingMicroservice({ transport: Transport.NATS, options: {} }).strategy).toBeInstanceOf(ServerNats);
    expect(messagingMicroservice({ transport: Transport.RMQ, options: { queue: 'q' } }).strategy).toBeInstanceOf(MessagingServerRMQ);
    expect(messagingMicroservice({ transport: Transport.MQTT, options: {} }).strategy).toBeInstanceOf(ServerMqtt);
    const grpc = { package: 'messaging.test', protoPath: join(__dirname, '../../test/fixtures/grpc/echo.proto') };
    expect(messagingMicroservice({ transport: Transport.GRPC, options: grpc }).strategy).toBeInstanceOf(MessagingServerGrpc);
  });

  it('names the dead-letter queue after the queue, and drops it with noAck', () => {
    const rmq = (o: object, d = {}) => messagingMicroservice({ transport: Transport.RMQ, options: o }, { rmq: d }).strategy as MessagingServerRMQ;
    expect(rmq({ queue: 'orders' }).deadLetterQueueName).toBe('orders.dead-letter');
    expect(rmq({ queue: 'orders' }, { deadLetterQueue: 'dlq' }).deadLetterQueueName).toBe('dlq');
    expect(rmq({ queue: 'orders', noAck: true }).deadLetterQueueName).toBe(false);
  });

  it.each([Transport.KAFKA])('refuses transport %s, which the library does not support', (transport) => {
    expect(() => messagingMicroservice({ transport } as never)).toThrow(MessagingConfigurationError);
    expect(() => MessagingModule.forRoot({ clients: [{ name: 'x', transport, options: {} } as never] })).toThrow(
      /does not support: use TCP, REDIS, NATS, RMQ, MQTT or GRPC/,
    );
  });
});
