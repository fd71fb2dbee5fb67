/**
 * An instance of an event-consuming service, run as its own process by the
 * dedupe fault scenarios (so that it can be SIGKILLed mid-handler): the
 * library's RabbitMQ server (manual ack, prefetch 1, no dead-letter queue)
 * with server-wide dedupe in a RedisDedupeStore shared by every instance of
 * the service. Started with `fork(this file, { execArgv: ['-r', 'ts-node/register'] })`.
 *
 * Environment: WORKER_SERVICE (the store's service name), WORKER_LEASE (ms),
 * WORKER_HANG=1 (the handler never finishes: the process is killed in it).
 * Protocol over IPC: `{ ready: true }` once loaded; `{ listen: queue }` makes it
 * consume `queue` and answer `{ listening: queue }`. It reports
 * `{ started: n, messageId }` and `{ handled: n, messageId }` for each event run,
 * and `{ log: text }` for each line its 'MessagingServer' logger writes. Its queue options
 * (durable: false, autoDelete: false, expires: 120000) must be those of the publisher.
 */
import 'reflect-metadata';
import { Controller, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, Transport } from '@nestjs/microservices';
import Redis from 'ioredis';
import { EventHandler, getMessageContext, messagingMicroservice, RedisDedupeStore } from '../../../src';

const hang = process.env.WORKER_HANG === '1';
const lease = Number(process.env.WORKER_LEASE ?? 1500);
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
redis.on('error', () => undefined);
const store = new RedisDedupeStore(redis, { service: process.env.WORKER_SERVICE ?? 'worker' });

const WORKER_QUEUE_OPTIONS = { durable: false, autoDelete: false, expires: 120_000 };

@Controller()
class JobController {
  @EventHandler({ evt: 'job' })
  async job(@Payload() data: { n: number }) {
    const messageId = getMessageContext()?.message?.messageId;
    process.send!({ started: data.n, messageId });
    if (hang) await new Promise(() => undefined);
    process.send!({ handled: data.n, messageId });
  }
}

@Module({ controllers: [JobController] })
class WorkerModule {}

class IpcLogger implements LoggerService {
  private forward(message: unknown, rest: unknown[]): void {
    if (rest[rest.length - 1] === 'MessagingServer') process.send!({ log: String(message) });
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.forward(message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.forward(message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.forward(message, rest);
  }
}

async function listen(queue: string): Promise<void> {
  const strategy = messagingMicroservice(
    { transport: Transport.RMQ, options: { urls: ['amqp://guest:guest@127.0.0.1:5672'], queue, queueOptions: WORKER_QUEUE_OPTIONS } },
    { rmq: { prefetch: 1, deadLetterQueue: false }, handlers: { dedupe: { store, lease, window: 60_000 } } },
  );
  const app = await NestFactory.createMicroservice(WorkerModule, { ...strategy, logger: new IpcLogger() });
  await app.listen();
}

process.on('message', (msg: { listen?: string }) => {
  if (msg.listen !== undefined) {
    const queue = msg.listen;
    listen(queue).then(
      () => process.send!({ listening: queue }),
      (err: unknown) => process.send!({ error: String(err) }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
