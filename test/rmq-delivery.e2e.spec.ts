import { Controller, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import * as amqp from 'amqplib';
import { lastValueFrom } from 'rxjs';
import { getMessagingClientToken, MessagingClient, MessagingModule } from '../src';
import { describeWithBroker } from './support/brokers';
import { nestMajor, waitFor } from './support/nest';
import { endpoint, nestOptions, startServer, type Endpoint } from './support/transports';
import { RMQ_DELIVERIES_HEADER, RMQ_ERROR_HEADER, RMQ_ORIGINAL_QUEUE_HEADER } from '../src/extend';

const URL = 'amqp://guest:guest@127.0.0.1:5672';

describeWithBroker('rabbitmq', `RabbitMQ delivery: manual ack, prefetch, dead letters (Nest ${nestMajor})`, () => {
  let ep: Endpoint;
  let server: INestMicroservice;
  let app: INestApplicationContext;
  let client: MessagingClient;
  let conn: amqp.ChannelModel;
  let ch: amqp.Channel;
  let dlq: string;
  const handled: Record<string, number> = {};
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();

  @Controller()
  class Handlers {
    @MessagePattern({ cmd: 'slow' })
    async slow(@Payload() n: number) {
      handled.slow = (handled.slow ?? 0) + 1;
      await gate;
      return n * 2;
    }

    @EventPattern({ cmd: 'slow_event' })
    async slowEvent() {
      handled.slow_event = (handled.slow_event ?? 0) + 1;
      await gate;
    }

    @EventPattern({ cmd: 'invalid' })
    invalid() {
      handled.invalid = (handled.invalid ?? 0) + 1;
      throw new RpcException({ code: 'INVALID_ARGUMENT', message: 'bad order', retryable: false });
    }

    @EventPattern({ cmd: 'always_fails' })
    alwaysFails() {
      handled.always_fails = (handled.always_fails ?? 0) + 1;
      throw new Error('database down');
    }

    @EventPattern({ cmd: 'fails_once' })
    failsOnce() {
      handled.fails_once = (handled.fails_once ?? 0) + 1;
      if (handled.fails_once === 1) throw new Error('transient');
    }
  }

  const hold = () => {
    gate = new Promise<void>((r) => (release = r));
  };
  const ready = async () => (await ch.checkQueue(ep.queue)).messageCount;
  const deadLetters = async (): Promise<amqp.GetMessage[]> => {
    const out: amqp.GetMessage[] = [];
    for (let m = await ch.get(dlq, { noAck: true }); m; m = await ch.get(dlq, { noAck: true })) out.push(m);
    return out;
  };

  beforeAll(async () => {
    ep = await endpoint('rmq');
    dlq = `${ep.queue}.dead-letter`;
    server = await startServer(ep, [Handlers], {
      server: { rmq: { prefetch: 1, maxDeliveries: 3, deadLetterQueueOptions: { durable: false, expires: 60_000 } } },
    });
    app = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ defaults: { timeout: 5000 }, clients: [{ name: 'svc', ...nestOptions(ep) }] })],
    }).compile();
    await app.init();
    client = app.get<MessagingClient>(getMessagingClientToken('svc'));
    conn = await amqp.connect(URL);
    ch = await conn.createChannel();
  });
  afterAll(async () => {
    await ch?.deleteQueue(dlq).catch(() => undefined);
    await conn?.close().catch(() => undefined);
    await app?.close();
    await server?.close();
  });
  beforeEach(() => {
    for (const k of Object.keys(handled)) delete handled[k];
  });

  it('acknowledges a request after its handler replied, one at a time with prefetch 1', async () => {
    hold();
    const replies = Promise.all([client.request<number>({ cmd: 'slow' }, 1), client.request<number>({ cmd: 'slow' }, 2)]);
    // the first is delivered and held unacknowledged; the broker keeps the second ready
    await waitFor(async () => handled.slow === 1 && (await ready()) === 1, 5000, 'one delivered, one ready');
    release();
    expect((await replies).sort()).toEqual([2, 4]);
    expect(handled.slow).toBe(2);
    expect(await ready()).toBe(0);
  });

  it('acknowledges an event after its handler finished, one at a time with prefetch 1', async () => {
    hold();
    await lastValueFrom(client.emit({ cmd: 'slow_event' }, {}));
    await lastValueFrom(client.emit({ cmd: 'slow_event' }, {}));
    await waitFor(async () => handled.slow_event === 1 && (await ready()) === 1, 5000, 'one delivered, one ready');
    release();
    await waitFor(async () => handled.slow_event === 2 && (await ready()) === 0, 5000, 'both handled');
  });

  it('dead-letters an event whose handler failed in a non-retryable way, at once', async () => {
    await lastValueFrom(client.emit({ cmd: 'invalid' }, { order: 1 }));
    let letters: amqp.GetMessage[] = [];
    await waitFor(async () => (letters = letters.concat(await deadLetters())).length === 1, 5000, 'a dead letter');
    expect(handled.invalid).toBe(1);
    const [letter] = letters;
    expect(JSON.parse(letter!.content.toString())).toMatchObject({ pattern: { cmd: 'invalid' }, data: { order: 1 } });
    const headers = letter!.properties.headers!;
    expect(JSON.parse(String(headers[RMQ_ERROR_HEADER]))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'bad order' });
    expect(headers[RMQ_ORIGINAL_QUEUE_HEADER]).toBe(ep.queue);
    expect(headers['msg-correlation-id']).toEqual(expect.any(String));
  });

  it('redelivers an event whose handler keeps failing maxDeliveries times, then dead-letters it', async () => {
    await lastValueFrom(client.emit({ cmd: 'always_fails' }, {}));
    let letters: amqp.GetMessage[] = [];
    await waitFor(async () => (letters = letters.concat(await deadLetters())).length === 1, 5000, 'a dead letter');
    expect(handled.always_fails).toBe(3);
    expect(letters[0]!.properties.headers![RMQ_DELIVERIES_HEADER]).toBe('3');
  });

  it('acknowledges an event that succeeds on its second delivery, leaving no dead letter', async () => {
    await lastValueFrom(client.emit({ cmd: 'fails_once' }, {}));
    await waitFor(async () => handled.fails_once === 2 && (await ready()) === 0, 5000, 'the second delivery');
    expect(await deadLetters()).toEqual([]);
  });
});
