import { ServerRMQ, type ReadPacket, type RmqContext, type RmqOptions } from '@nestjs/microservices';
type RmqServerOptions = NonNullable<RmqOptions['options']>;
/** How the library's RabbitMQ server acknowledges and dead-letters messages. */
export interface RmqDeliveryOptions {
    /**
     * Messages the broker may deliver before the earlier ones are acknowledged
     * (AMQP prefetch). Overridden by Nest's `prefetchCount` option when that is given.
     * @default 20
     */
    prefetch?: number;
    /**
     * Queue that receives events whose handler failed for good (a non-retryable
     * error, or `maxDeliveries` failures), with the error in the
     * `x-messaging-error` header. `false`: such events are dropped (acknowledged).
     * @default `<queue>.dead-letter`
     */
    deadLetterQueue?: string | false;
    /**
     * How many times an event is handled before it is dead-lettered, when its
     * handler keeps failing with a retryable error (any error whose `retryable`
     * is not false and whose code is not a caller error such as INVALID_ARGUMENT).
     * @default 3
     */
    maxDeliveries?: number;
    /**
     * Options of the dead-letter queue, as amqplib's `assertQueue` takes them.
     * @default { durable: true }
     */
    deadLetterQueueOptions?: Record<string, unknown>;
}
/** Header counting how many times the library delivered an event (the first delivery has none). */
export declare const RMQ_DELIVERIES_HEADER = "x-messaging-deliveries";
/** Header of a dead-lettered event: what its handler failed with (JSON, truncated to 1024 characters). */
export declare const RMQ_ERROR_HEADER = "x-messaging-error";
/** Header of a dead-lettered event: the queue it came from. */
export declare const RMQ_ORIGINAL_QUEUE_HEADER = "x-messaging-original-queue";
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
export declare class MessagingServerRMQ extends ServerRMQ {
    private readonly deliveryLogger;
    private readonly manualAck;
    private readonly deadLetterQueue;
    private readonly maxDeliveries;
    private readonly queueName;
    private readonly deadLetterQueueOptions;
    constructor(options?: RmqServerOptions, delivery?: RmqDeliveryOptions);
    /** The dead-letter queue, or `false` when failed events are dropped. */
    get deadLetterQueueName(): string | false;
    setupChannel(channel: Parameters<ServerRMQ['setupChannel']>[0], callback: () => void): Promise<void>;
    sendMessage<T = unknown>(message: T, replyTo: unknown, correlationId: string, context: RmqContext): void;
    handleEvent(pattern: string, packet: ReadPacket, context: RmqContext): Promise<unknown>;
    private ack;
    private eventFailed;
}
export {};
