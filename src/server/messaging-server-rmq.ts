import { Logger } from '@nestjs/common';
import { ServerRMQ, type ReadPacket, type RmqContext, type RmqOptions } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { MessagingErrorCode } from '../errors/error-codes';
import { MetadataKeys } from '../wire/metadata-keys';
import { isValidId, newId } from '../wire/message-metadata';
import { rmqCarrier } from '../wire/transports/rmq';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions, RmqDeliveryOptions } from './server.options';
import { Settlements } from './rmq-settlement';
import { drainGracefully, settledWithin } from './graceful-drain';

type RmqServerOptions = NonNullable<RmqOptions['options']>;

/** Header counting how many times the library delivered an event (the first delivery has none). */
export const RMQ_DELIVERIES_HEADER = 'x-messaging-deliveries';
/** Header of a dead-lettered event: what its handler failed with (JSON, truncated to 1024 characters). */
export const RMQ_ERROR_HEADER = 'x-messaging-error';
/** Header of a dead-lettered event: the queue it came from. */
export const RMQ_ORIGINAL_QUEUE_HEADER = 'x-messaging-original-queue';

const NON_RETRYABLE = new Set<string>([
  MessagingErrorCode.INVALID_ARGUMENT,
  MessagingErrorCode.NOT_FOUND,
  MessagingErrorCode.ALREADY_EXISTS,
  MessagingErrorCode.PERMISSION_DENIED,
  MessagingErrorCode.UNAUTHENTICATED,
  MessagingErrorCode.FAILED_PRECONDITION,
  MessagingErrorCode.UNSUPPORTED_VERSION,
  MessagingErrorCode.UNIMPLEMENTED,
]);

function isRetryable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return true;
  const { retryable, code } = err as { retryable?: unknown; code?: unknown };
  if (retryable === false) return false;
  if (retryable === true) return true;
  return !(typeof code === 'string' && NON_RETRYABLE.has(code));
}

function describe(err: unknown): string {
  let text: string;
  try {
    text = err instanceof Error ? JSON.stringify({ name: err.name, message: err.message }) : (JSON.stringify(err) ?? String(err));
  } catch {
    text = String(err);
  }
  return text.length > 1024 ? text.slice(0, 1024) : text;
}

interface AmqpMessage {
  content: Buffer;
  fields: { redelivered?: boolean };
  properties: { headers?: Record<string, unknown> } & Record<string, unknown>;
}
interface AmqpChannel {
  ack(message: AmqpMessage): void;
}
interface PublishingChannel {
  sendToQueue(queue: string, content: Buffer, options?: Record<string, unknown>): Promise<unknown>;
  assertQueue(queue: string, options?: Record<string, unknown>): Promise<unknown>;
}

/**
 * Nest's RabbitMQ server with at-least-once delivery: manual acknowledgement
 * after the handler finished (a request once its last reply is sent, success
 * or error; an event once its handler, and the Observable it returned,
 * completed), a prefetch limit, and a dead-letter queue for events whose
 * handler failed for good instead of a redelivery loop.
 *
 * A message whose handler is still running when the server or its connection
 * goes away is delivered again by the broker: handlers must tolerate a
 * repeat (`msg-id` identifies it). Use it through {@link messagingMicroservice}.
 */
export class MessagingServerRMQ extends ServerRMQ {
  /** @internal */
  readonly pipeline: InboundPipeline;
  private readonly deliveryLogger = new Logger('MessagingServerRMQ');
  private readonly manualAck: boolean;
  private readonly deadLetterQueue: string | false;
  private readonly maxDeliveries: number;
  private readonly queueName: string;
  private readonly deadLetterQueueOptions: Record<string, unknown>;
  private readonly consumerTag: string;
  private readonly gracePeriod: number;
  /** The channel the consumer runs on (amqplib's), to cancel it on a graceful shutdown. */
  private consumerChannel: { cancel(tag: string): Promise<unknown> } | undefined;
  /** Publishes (replies, requeues) not yet confirmed by the broker: close waits for them. */
  private readonly unconfirmed = new Set<Promise<unknown>>();
  /** The channel wrapper whose publishes are tracked. */
  private trackedChannel: object | undefined;

  constructor(options: RmqServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    const delivery: RmqDeliveryOptions = serverOptions.rmq ?? {};
    const manualAck = options.noAck !== true;
    const consumerTag = options.consumerTag ?? `nestjs-messaging.${newId()}`;
    super({
      ...options,
      noAck: !manualAck,
      prefetchCount: options.prefetchCount ?? delivery.prefetch ?? 20,
      consumerTag,
    });
    this.consumerTag = consumerTag;
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.manualAck = manualAck;
    this.queueName = options.queue ?? 'default';
    this.deadLetterQueue = delivery.deadLetterQueue === undefined ? `${this.queueName}.dead-letter` : delivery.deadLetterQueue;
    this.maxDeliveries = Math.max(1, delivery.maxDeliveries ?? 3);
    this.deadLetterQueueOptions = delivery.deadLetterQueueOptions ?? { durable: true };
    this.pipeline = new InboundPipeline(
      { carrier: rmqCarrier, tracked: this.gracePeriod > 0, deadLetters: manualAck && this.deadLetterQueue !== false },
      serverOptions,
    );
  }

  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as never);
    super.addHandler(pattern, this.pipeline.wrap(route, callback, isEventHandler, extras) as never, isEventHandler, extras);
  }

  override handleMessage(...args: Parameters<ServerRMQ['handleMessage']>): ReturnType<ServerRMQ['handleMessage']> {
    const [message, channel] = args;
    if (this.manualAck && message && channel) Settlements.of(channel as object).received(message);
    return this.pipeline.receive(undefined, () => super.handleMessage(...args));
  }

  /** The dead-letter queue, or `false` when failed events are dropped. */
  get deadLetterQueueName(): string | false {
    return this.manualAck ? this.deadLetterQueue : false;
  }

  override async setupChannel(channel: Parameters<ServerRMQ['setupChannel']>[0], callback: () => void): Promise<void> {
    if (this.manualAck) Settlements.of(channel as object);
    this.trackPublishes();
    this.consumerChannel = channel as unknown as { cancel(tag: string): Promise<unknown> };
    if (this.manualAck && this.deadLetterQueue) {
      await (channel as unknown as PublishingChannel).assertQueue(this.deadLetterQueue, this.deadLetterQueueOptions);
    }
    return super.setupChannel(channel, callback);
  }

  /**
   * With a `gracePeriod`: cancels the consumer (the broker delivers nothing
   * more to this instance), lets the messages in flight finish and be
   * acknowledged, then closes; what was not acknowledged is redelivered.
   */
  override async close(): Promise<void> {
    const started = Date.now();
    await drainGracefully(this.pipeline.inFlight, this.gracePeriod, () => this.consumerChannel?.cancel(this.consumerTag), this.deliveryLogger);
    // Replies handed to the channel are published once it gets to them; closing first would drop them.
    if (this.unconfirmed.size > 0) await settledWithin(this.unconfirmed, Math.max(1_000, this.gracePeriod - (Date.now() - started)));
    return super.close();
  }

  /**
   * Keeps the promise of every publish on the channel wrapper (Nest sends a
   * reply and drops the promise): close waits for them, and a publish the
   * closing channel rejects is logged, not left unhandled.
   */
  private trackPublishes(): void {
    const wrapper = this.channel as unknown as PublishingChannel | undefined;
    if (!wrapper || this.trackedChannel === wrapper) return;
    this.trackedChannel = wrapper;
    const sendToQueue = wrapper.sendToQueue;
    const unconfirmed = this.unconfirmed;
    const logger = this.deliveryLogger;
    wrapper.sendToQueue = function (this: PublishingChannel, ...args: Parameters<PublishingChannel['sendToQueue']>) {
      const sent = sendToQueue.apply(this, args);
      unconfirmed.add(sent);
      sent.then(
        () => unconfirmed.delete(sent),
        (err: unknown) => {
          unconfirmed.delete(sent);
          logger.warn(`a message to ${args[0]} was not published: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      return sent;
    };
  }

  override sendMessage<T = unknown>(message: T, replyTo: unknown, correlationId: string, context: RmqContext): void {
    super.sendMessage(message, replyTo, correlationId, context);
    if (this.manualAck && (message as { isDisposed?: boolean } | null)?.isDisposed === true) this.ack(context);
  }

  override async handleEvent(pattern: string, packet: ReadPacket, context: RmqContext): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!this.manualAck || !handler) return super.handleEvent(pattern, packet, context);
    return this.onProcessingStartHook(this.transportId, context, async () => {
      let failure: { error: unknown } | undefined;
      try {
        const result: unknown = await handler(packet.data, context);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      } catch (error) {
        failure = { error };
      } finally {
        this.onProcessingEndHook?.(this.transportId, context);
      }
      if (!failure) this.ack(context);
      else await this.eventFailed(context, failure.error);
    });
  }

  /** Acknowledges the delivery, unless it was settled already (by a handler that settles its own). */
  private ack(context: RmqContext): void {
    const channel = context.getChannelRef() as AmqpChannel;
    const message = context.getMessage() as AmqpMessage;
    if (Settlements.of(channel).isSettled(message)) return;
    try {
      channel.ack(message);
    } catch (err) {
      // The channel closed: the broker delivers the message again.
      this.deliveryLogger.warn(`could not acknowledge a message${correlationOf(context)}: ${String(err)}`);
    }
  }

  private async eventFailed(context: RmqContext, error: unknown): Promise<void> {
    const message = context.getMessage() as AmqpMessage;
    // A handler that settled its own delivery decided its fate: it is not requeued or dead-lettered again.
    if (Settlements.of(context.getChannelRef() as object).isSettled(message)) return;
    const headers = { ...message.properties.headers };
    const deliveries = Number(headers[RMQ_DELIVERIES_HEADER] ?? 1) || 1;
    const channel = this.channel as unknown as PublishingChannel;
    const { headers: _h, ...properties } = message.properties;
    try {
      if (isRetryable(error) && deliveries < this.maxDeliveries) {
        await channel.sendToQueue(this.queueName, message.content, {
          ...properties,
          headers: { ...headers, [RMQ_DELIVERIES_HEADER]: String(deliveries + 1) },
        });
      } else if (this.deadLetterQueue) {
        await channel.sendToQueue(this.deadLetterQueue, message.content, {
          ...properties,
          persistent: true,
          headers: {
            ...headers,
            [RMQ_DELIVERIES_HEADER]: String(deliveries),
            [RMQ_ERROR_HEADER]: describe(error),
            [RMQ_ORIGINAL_QUEUE_HEADER]: this.queueName,
          },
        });
      } else {
        this.deliveryLogger.warn(
          `dropping an event whose handler failed ${deliveries} time(s)${correlationOf(context)}: ${describe(error)}`,
        );
      }
    } catch (err) {
      // Not republished: leave it unacknowledged, the broker delivers it again after a reconnect.
      this.deliveryLogger.error(`could not requeue or dead-letter a failed event${correlationOf(context)}: ${String(err)}`);
      return;
    }
    this.ack(context);
  }
}

/** ` [correlationId=... messageId=...]` of a delivered message, for log lines; empty when it carries none (a plain Nest sender). */
function correlationOf(context: RmqContext): string {
  const headers = (context.getMessage() as AmqpMessage | undefined)?.properties?.headers ?? {};
  const correlationId: unknown = headers[MetadataKeys.correlationId];
  const messageId: unknown = headers[MetadataKeys.messageId];
  if (!isValidId(correlationId)) return '';
  return ` [correlationId=${correlationId}${isValidId(messageId) ? ` messageId=${messageId}` : ''}]`;
}
