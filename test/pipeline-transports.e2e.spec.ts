import { Controller, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, Payload, type ClientOptions } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as amqp from 'amqplib';
import { Type as TransformType } from 'class-transformer';
import { IsEmail, IsString, MaxLength, ValidateNested } from 'class-validator';
import { lastValueFrom } from 'rxjs';
import { defineEvent, EventHandler, getMessageContext, MessageHandler, MessagingClient, MessagingClientSerializer, messagingMicroservice, runWithMessageContext, type EventContract, type MessagingServerOptions } from '../src';
import { OpenTelemetryInstrumentation } from '../src/opentelemetry';
import { describeWithBroker } from './support/brokers';
import { CapturingLogger } from './support/log-capture';
import { nestMajor, waitFor } from './support/nest';
import {
  BROKER_OF,
  endpoint,
  nestOptions,
  testServerOptions,
  TRANSPORTS,
  uniqueName,
  type Endpoint,
  type TransportName,
} from './support/transports';
import { RMQ_ERROR_HEADER } from '../src/extend';

/**
 * The inbound pipeline's promises that depend on the transport, over every
 * transport (TCP, Redis, NATS, RabbitMQ, MQTT) against the real brokers:
 * an invalid event is logged once (ids and field paths, never the values),
 * counted, and dead-lettered on RabbitMQ (or not, with invalidEvents: 'drop');
 * server and consumer spans and the process metric carry `messaging.system`;
 * a plain @MessagePattern handler runs in the message context.
 *
 * One CapturingLogger for the file (Nest makes the last app's `logger` the
 * process's static logger, so every server here gets the same one); each test
 * finds its lines by a correlation id of its own.
 */
const logs = new CapturingLogger();

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const otel = new OpenTelemetryInstrumentation({ tracerProvider, meterProvider });

/** OpenTelemetry's `messaging.system` of each transport. */
const SYSTEM: Record<TransportName, string> = { tcp: 'tcp', redis: 'redis', nats: 'nats', rmq: 'rabbitmq', mqtt: 'mqtt' };
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const CALL_TIMEOUT = 5000;
/** How long an event may take to be handled, logged or dead-lettered on a busy 2-core machine. */
const EVENT_WAIT = 8000;

/** Values of the invalid payload that must never appear in a log line. */
const SECRET = 'SECRET123';
const INVALID_SIGNUP = { name: 'ann', email: `not-an-email-${SECRET}`, address: { city: `${SECRET}-a-city-name-far-too-long` } };
const VALID_SIGNUP = { name: 'bob', email: 'bob@example.com', address: { city: 'Lyon' } };

class SignupAddress {
  @IsString() @MaxLength(12) city!: string;
}

class SignupV1 {
  @IsString() name!: string;
  @IsEmail() email!: string;
  @ValidateNested() @TransformType(() => SignupAddress) address!: SignupAddress;
}

interface ContextSeen {
  correlationId: string | undefined;
  messageId: string | undefined;
  causationId: string | undefined;
}

function contextSeen(): ContextSeen {
  const ctx = getMessageContext();
  return { correlationId: ctx?.correlationId, messageId: ctx?.message?.messageId, causationId: ctx?.message?.causationId };
}

/**
 * The handlers of one transport's suite, with a unique `ns` in every pattern
 * (object keys already in Nest's sorted order, so JSON.stringify(pattern) is
 * the destination as Nest routes it): parallel suites sharing a broker never
 * see each other's messages.
 */
function makeHandlers(ns: string) {
  const Signup = defineEvent({ pattern: { event: 'signup', ns }, versions: { 1: SignupV1 } });
  const SignupMarker = defineEvent({ pattern: { event: 'signup_marker', ns }, versions: { 1: SignupV1 } });
  const signups: Array<{ dto: unknown; correlationId: string | undefined }> = [];
  const traced: string[] = [];
  const links: { downstream?: MessagingClient } = {};

  @Controller()
  class PipelineHandlers {
    @EventHandler(Signup)
    signup(@Payload() dto: SignupV1) {
      signups.push({ dto, correlationId: getMessageContext()?.correlationId });
    }

    // dead-letters an invalid event whatever the server's default (the decorator's option wins)
    @EventHandler(SignupMarker, { invalidEvents: 'dead-letter' })
    signupMarker(@Payload() dto: SignupV1) {
      signups.push({ dto, correlationId: getMessageContext()?.correlationId });
    }

    @MessageHandler({ cmd: 'traced', ns })
    tracedRequest() {
      traced.push('request');
      return 'traced';
    }

    @EventHandler({ event: 'traced', ns })
    tracedEvent() {
      traced.push('event');
    }

    @MessagePattern({ cmd: 'outer', ns })
    async outer(): Promise<{ outer: ContextSeen; inner: ContextSeen }> {
      const outer = contextSeen();
      const inner = await links.downstream!.request<ContextSeen>({ cmd: 'inner', ns }, {});
      return { outer, inner };
    }

    @MessagePattern({ cmd: 'inner', ns })
    inner(): ContextSeen {
      return contextSeen();
    }
  }

  return { PipelineHandlers, Signup, SignupMarker, signups, traced, links };
}

/** Starts a library server on `ep` whose logs go to `logs`. */
async function startLibraryServer(ep: Endpoint, controllers: Type<unknown>[], server: MessagingServerOptions): Promise<INestMicroservice> {
  @Module({ controllers })
  class ServerModule {}
  const app = await NestFactory.createMicroservice(ServerModule, { ...messagingMicroservice(nestOptions(ep), server), logger: logs });
  await app.listen();
  return app;
}

/** A MessagingClient for `ep` with no Nest module around it. */
function clientOf(ep: Endpoint, name: string): MessagingClient {
  const opts = nestOptions(ep) as ClientOptions & { options: Record<string, unknown> };
  const proxy = ClientProxyFactory.create({
    ...opts,
    options: { ...opts.options, serializer: new MessagingClientSerializer(undefined, opts.transport) },
  } as ClientOptions);
  return MessagingClient.wrap(proxy, name, { timeout: CALL_TIMEOUT });
}

async function closeClient(client: MessagingClient | undefined): Promise<void> {
  if (!client) return;
  await client.close();
  await client.proxy.close();
}

/** The data points of the `messaging.process.duration` histogram for `destination`. */
async function processPoints(destination: string) {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'messaging.process.duration') as HistogramMetricData | undefined;
  return (metric?.dataPoints ?? []).filter((p) => p.attributes['messaging.destination.name'] === destination);
}

const spansOf = (destination: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.attributes['messaging.destination.name'] === destination);

/** Reads (and removes) every message of an AMQP queue. */
async function drainQueue(ch: amqp.Channel, queue: string): Promise<amqp.GetMessage[]> {
  const out: amqp.GetMessage[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) out.push(m);
  return out;
}

/** Emits `payload` to `target` in a context with `correlationId`, as a sender that does not validate it would. */
async function emitAs(client: MessagingClient, contract: EventContract, payload: unknown, correlationId: string): Promise<void> {
  await runWithMessageContext({ correlationId }, () => lastValueFrom(client.emit(contract, payload as never)));
}

/** Warnings and errors logged since line `from` (what an operator would see). */
const problemsSince = (from: number) => logs.lines.slice(from).filter((l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal');

/** The one line the pipeline must log for an invalid signup: exactly one with its correlation id, and none other about its pattern. */
function expectInvalidEventLine(correlationId: string, destination: string, fate: 'dropped' | 'dead-lettered'): void {
  const lines = logs.containing(correlationId);
  expect(lines.map((l) => l.text)).toHaveLength(1);
  expect(logs.containing(destination)).toEqual(lines);
  const [line] = lines;
  expect(line).toMatchObject({ level: 'warn', context: 'MessagingServer' });
  expect(line!.text).toContain(`invalid event ${destination} ${fate} [correlationId=${correlationId} messageId=`);
  // the failing field paths with their constraint names
  expect(line!.text).toContain('email (isEmail)');
  expect(line!.text).toContain('address.city (maxLength)');
}

afterAll(async () => {
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

describe.each(TRANSPORTS)(`inbound pipeline over %s (Nest ${nestMajor})`, (transport: TransportName) => {
  describeWithBroker(BROKER_OF[transport], `pipeline over ${transport} (Nest ${nestMajor})`, () => {
    const ns = uniqueName(`pipe_${transport}`);
    const { PipelineHandlers, Signup, signups, traced, links } = makeHandlers(ns);
    const signupDestination = JSON.stringify(Signup.pattern);
    let ep: Endpoint;
    let server: INestMicroservice | undefined;
    let client: MessagingClient | undefined;
    let conn: amqp.ChannelModel | undefined;
    let ch: amqp.Channel | undefined;

    beforeAll(async () => {
      ep = await endpoint(transport);
      server = await startLibraryServer(ep, [PipelineHandlers], { ...testServerOptions(ep), instrumentation: [otel] });
      links.downstream = clientOf(ep, `downstream-${transport}`);
      client = clientOf(ep, `caller-${transport}`);
      if (transport === 'rmq') {
        conn = await amqp.connect(AMQP_URL);
        ch = await conn.createChannel();
      }
    });
    afterAll(async () => {
      await ch?.deleteQueue(`${ep.queue}.dead-letter`).catch(() => undefined);
      await conn?.close().catch(() => undefined);
      await closeClient(client);
      await closeClient(links.downstream);
      await server?.close();
    });

    it(`logs an invalid event exactly once, with its ids and field paths but no values, counts it${transport === 'rmq' ? ' and dead-letters it' : ''}`, async () => {
      const correlationId = uniqueName(`invalid_${transport}`);
      const from = logs.lines.length;
      await emitAs(client!, Signup, INVALID_SIGNUP, correlationId);
      await waitFor(() => logs.containing(correlationId).length > 0, EVENT_WAIT, 'the invalid event log line');

      let letters: amqp.GetMessage[] = [];
      if (transport === 'rmq') {
        const dlq = `${ep.queue}.dead-letter`;
        await waitFor(async () => (letters = letters.concat(await drainQueue(ch!, dlq))).length > 0, EVENT_WAIT, 'the dead letter');
      }
      // A valid event after it, handled: whatever the pipeline does for the invalid one has had its turn.
      const afterId = uniqueName(`valid_${transport}`);
      await emitAs(client!, Signup, VALID_SIGNUP, afterId);
      await waitFor(() => signups.some((s) => s.correlationId === afterId), EVENT_WAIT, 'the valid event');

      // never handled: the handler saw only the valid event
      expect(signups.map((s) => s.correlationId)).toEqual([afterId]);
      expect(signups[0]!.dto).toBeInstanceOf(SignupV1);

      expectInvalidEventLine(correlationId, signupDestination, transport === 'rmq' ? 'dead-lettered' : 'dropped');
      // and no other warning or error while the invalid and the valid event were handled
      expect(problemsSince(from)).toEqual(logs.containing(correlationId));
      // no value of the payload in any line of the whole run
      expect(logs.lines.filter((l) => l.text.includes(SECRET)).map((l) => l.text)).toEqual([]);

      // counted: one process measurement with error.type INVALID_ARGUMENT, one without for the valid event
      const points = await processPoints(signupDestination);
      const invalid = points.filter((p) => p.attributes['error.type'] === 'INVALID_ARGUMENT');
      expect(invalid).toHaveLength(1);
      expect(invalid[0]!.value.count).toBe(1);
      expect(invalid[0]!.attributes).toMatchObject({ 'messaging.system': SYSTEM[transport], 'messaging.operation.name': 'process' });
      expect(points.filter((p) => p.attributes['error.type'] === undefined).map((p) => p.value.count)).toEqual([1]);
      const failedSpans = spansOf(signupDestination).filter((s) => s.attributes['error.type'] === 'INVALID_ARGUMENT');
      expect(failedSpans).toHaveLength(1);
      expect(failedSpans[0]!.status.code).toBe(SpanStatusCode.ERROR);

      if (transport === 'rmq') {
        // the dead letter is that event, with the error and the ids
        expect(letters).toHaveLength(1);
        const headers = letters[0]!.properties.headers!;
        expect(headers['msg-correlation-id']).toBe(correlationId);
        expect(JSON.parse(String(headers[RMQ_ERROR_HEADER]))).toMatchObject({ name: 'ContractViolationError' });
        expect(JSON.parse(letters[0]!.content.toString())).toMatchObject({ pattern: Signup.pattern, data: INVALID_SIGNUP });
        expect(await drainQueue(ch!, `${ep.queue}.dead-letter`)).toEqual([]);
      }
    });

    it(`puts messaging.system=${SYSTEM[transport]} on server and consumer spans and on the process metric`, async () => {
      const requestDestination = JSON.stringify({ cmd: 'traced', ns });
      const eventDestination = JSON.stringify({ event: 'traced', ns });
      expect(await client!.request({ cmd: 'traced', ns }, {})).toBe('traced');
      await lastValueFrom(client!.emit({ event: 'traced', ns }, {}));
      await waitFor(
        () => spansOf(requestDestination).length > 0 && spansOf(eventDestination).length > 0,
        EVENT_WAIT,
        'the server and consumer spans',
      );
      expect(traced.sort()).toEqual(['event', 'request']);

      const [serverSpan] = spansOf(requestDestination);
      const [consumerSpan] = spansOf(eventDestination);
      expect(spansOf(requestDestination)).toHaveLength(1);
      expect(spansOf(eventDestination)).toHaveLength(1);
      expect(serverSpan!.kind).toBe(SpanKind.SERVER);
      expect(consumerSpan!.kind).toBe(SpanKind.CONSUMER);
      for (const span of [serverSpan!, consumerSpan!]) {
        expect(span.attributes).toMatchObject({ 'messaging.system': SYSTEM[transport], 'messaging.operation.type': 'process' });
        expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
      }

      for (const destination of [requestDestination, eventDestination]) {
        const points = await processPoints(destination);
        expect(points).toHaveLength(1);
        expect(points[0]!.attributes['messaging.system']).toBe(SYSTEM[transport]);
        expect(points[0]!.value.count).toBe(1);
      }
    });

    it("runs a plain @MessagePattern handler in the caller's correlation id; its calls carry its message id as causation id", async () => {
      const correlationId = uniqueName(`plain_${transport}`);
      const { outer, inner } = await runWithMessageContext({ correlationId }, () =>
        client!.request<{ outer: ContextSeen; inner: ContextSeen }>({ cmd: 'outer', ns }, {}),
      );
      expect(outer.correlationId).toBe(correlationId);
      expect(outer.messageId).toEqual(expect.any(String));
      expect(inner.correlationId).toBe(correlationId);
      expect(inner.causationId).toBe(outer.messageId);
      expect(inner.messageId).not.toBe(outer.messageId);
    });
  });
});

describeWithBroker('rabbitmq', `invalid events on RabbitMQ with invalidEvents: 'drop' (Nest ${nestMajor})`, () => {
  const ns = uniqueName('pipe_rmq_drop');
  const { PipelineHandlers, Signup, SignupMarker, signups } = makeHandlers(ns);
  let ep: Endpoint;
  let dlq: string;
  let server: INestMicroservice | undefined;
  let client: MessagingClient | undefined;
  let conn: amqp.ChannelModel | undefined;
  let ch: amqp.Channel | undefined;

  beforeAll(async () => {
    ep = await endpoint('rmq');
    dlq = `${ep.queue}.dead-letter`;
    const { rmq } = testServerOptions(ep);
    // prefetch 1: the broker delivers the next message only once the previous one is acknowledged
    server = await startLibraryServer(ep, [PipelineHandlers], {
      handlers: { invalidEvents: 'drop' },
      instrumentation: [otel],
      rmq: { ...rmq, prefetch: 1 },
    });
    client = clientOf(ep, 'caller-rmq-drop');
    conn = await amqp.connect(AMQP_URL);
    ch = await conn.createChannel();
  });
  afterAll(async () => {
    await ch?.deleteQueue(dlq).catch(() => undefined);
    await conn?.close().catch(() => undefined);
    await closeClient(client);
    await server?.close();
  });

  it('logs and counts the invalid event once but does not dead-letter it', async () => {
    const dropped = uniqueName('dropped');
    const marker = uniqueName('marker');
    const from = logs.lines.length;
    await emitAs(client!, Signup, INVALID_SIGNUP, dropped);
    // An invalid event for a handler that dead-letters (its decorator's option): with prefetch 1 it is
    // delivered only after the dropped one was acknowledged, so once it is in the dead-letter queue,
    // the dropped one is done with.
    await emitAs(client!, SignupMarker, INVALID_SIGNUP, marker);
    let letters: amqp.GetMessage[] = [];
    await waitFor(async () => (letters = letters.concat(await drainQueue(ch!, dlq))).length > 0, EVENT_WAIT, 'the marker dead letter');
    expect(await drainQueue(ch!, dlq)).toEqual([]);
    expect(letters.map((l) => l.properties.headers!['msg-correlation-id'])).toEqual([marker]);

    expect(signups).toEqual([]);
    expectInvalidEventLine(dropped, JSON.stringify(Signup.pattern), 'dropped');
    expectInvalidEventLine(marker, JSON.stringify(SignupMarker.pattern), 'dead-lettered');
    expect(problemsSince(from)).toEqual([...logs.containing(dropped), ...logs.containing(marker)]);
    expect(logs.lines.filter((l) => l.text.includes(SECRET)).map((l) => l.text)).toEqual([]);
    const invalid = (await processPoints(JSON.stringify(Signup.pattern))).filter((p) => p.attributes['error.type'] === 'INVALID_ARGUMENT');
    expect(invalid.map((p) => [p.attributes['messaging.system'], p.value.count])).toEqual([['rabbitmq', 1]]);
    expect((await ch!.checkQueue(ep.queue)).messageCount).toBe(0);
  });
});
