"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingServerRMQ = exports.RMQ_ORIGINAL_QUEUE_HEADER = exports.RMQ_ERROR_HEADER = exports.RMQ_DELIVERIES_HEADER = void 0;
const common_1 = require("@nestjs/common");
const microservices_1 = require("@nestjs/microservices");
const rxjs_1 = require("rxjs");
const error_codes_1 = require("../errors/error-codes");
const metadata_keys_1 = require("../metadata/metadata-keys");
const message_metadata_1 = require("../metadata/message-metadata");
/** Header counting how many times the library delivered an event (the first delivery has none). */
exports.RMQ_DELIVERIES_HEADER = 'x-messaging-deliveries';
/** Header of a dead-lettered event: what its handler failed with (JSON, truncated to 1024 characters). */
exports.RMQ_ERROR_HEADER = 'x-messaging-error';
/** Header of a dead-lettered event: the queue it came from. */
exports.RMQ_ORIGINAL_QUEUE_HEADER = 'x-messaging-original-queue';
const NON_RETRYABLE = new Set([
    error_codes_1.MessagingErrorCode.INVALID_ARGUMENT,
    error_codes_1.MessagingErrorCode.NOT_FOUND,
    error_codes_1.MessagingErrorCode.ALREADY_EXISTS,
    error_codes_1.MessagingErrorCode.PERMISSION_DENIED,
    error_codes_1.MessagingErrorCode.UNAUTHENTICATED,
    error_codes_1.MessagingErrorCode.FAILED_PRECONDITION,
    error_codes_1.MessagingErrorCode.UNSUPPORTED_VERSION,
    error_codes_1.MessagingErrorCode.UNIMPLEMENTED,
]);
function isRetryable(err) {
    if (err === null || typeof err !== 'object')
        return true;
    const { retryable, code } = err;
    if (retryable === false)
        return false;
    if (retryable === true)
        return true;
    return !(typeof code === 'string' && NON_RETRYABLE.has(code));
}
function describe(err) {
    let text;
    try {
        text = err instanceof Error ? JSON.stringify({ name: err.name, message: err.message }) : (JSON.stringify(err) ?? String(err));
    }
    catch {
        text = String(err);
    }
    return text.length > 1024 ? text.slice(0, 1024) : text;
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
class MessagingServerRMQ extends microservices_1.ServerRMQ {
    deliveryLogger = new common_1.Logger('MessagingServerRMQ');
    manualAck;
    deadLetterQueue;
    maxDeliveries;
    queueName;
    deadLetterQueueOptions;
    constructor(options = {}, delivery = {}) {
        const manualAck = options.noAck !== true;
        super({
            ...options,
            noAck: !manualAck,
            prefetchCount: options.prefetchCount ?? delivery.prefetch ?? 20,
        });
        this.manualAck = manualAck;
        this.queueName = options.queue ?? 'default';
        this.deadLetterQueue = delivery.deadLetterQueue === undefined ? `${this.queueName}.dead-letter` : delivery.deadLetterQueue;
        this.maxDeliveries = Math.max(1, delivery.maxDeliveries ?? 3);
        this.deadLetterQueueOptions = delivery.deadLetterQueueOptions ?? { durable: true };
    }
    /** The dead-letter queue, or `false` when failed events are dropped. */
    get deadLetterQueueName() {
        return this.manualAck ? this.deadLetterQueue : false;
    }
    async setupChannel(channel, callback) {
        if (this.manualAck && this.deadLetterQueue) {
            await channel.assertQueue(this.deadLetterQueue, this.deadLetterQueueOptions);
        }
        return super.setupChannel(channel, callback);
    }
    sendMessage(message, replyTo, correlationId, context) {
        super.sendMessage(message, replyTo, correlationId, context);
        if (this.manualAck && message?.isDisposed === true)
            this.ack(context);
    }
    async handleEvent(pattern, packet, context) {
        const handler = this.getHandlerByPattern(pattern);
        if (!this.manualAck || !handler)
            return super.handleEvent(pattern, packet, context);
        return this.onProcessingStartHook(this.transportId, context, async () => {
            let failure;
            try {
                const result = await handler(packet.data, context);
                if ((0, rxjs_1.isObservable)(result))
                    await (0, rxjs_1.lastValueFrom)(result, { defaultValue: undefined });
            }
            catch (error) {
                failure = { error };
            }
            finally {
                this.onProcessingEndHook?.(this.transportId, context);
            }
            if (!failure)
                this.ack(context);
            else
                await this.eventFailed(context, failure.error);
        });
    }
    ack(context) {
        try {
            context.getChannelRef().ack(context.getMessage());
        }
        catch (err) {
            // The channel closed: the broker delivers the message again.
            this.deliveryLogger.warn(`could not acknowledge a message${correlationOf(context)}: ${String(err)}`);
        }
    }
    async eventFailed(context, error) {
        const message = context.getMessage();
        const headers = { ...message.properties.headers };
        const deliveries = Number(headers[exports.RMQ_DELIVERIES_HEADER] ?? 1) || 1;
        const channel = this.channel;
        const { headers: _h, ...properties } = message.properties;
        try {
            if (isRetryable(error) && deliveries < this.maxDeliveries) {
                await channel.sendToQueue(this.queueName, message.content, {
                    ...properties,
                    headers: { ...headers, [exports.RMQ_DELIVERIES_HEADER]: String(deliveries + 1) },
                });
            }
            else if (this.deadLetterQueue) {
                await channel.sendToQueue(this.deadLetterQueue, message.content, {
                    ...properties,
                    persistent: true,
                    headers: {
                        ...headers,
                        [exports.RMQ_DELIVERIES_HEADER]: String(deliveries),
                        [exports.RMQ_ERROR_HEADER]: describe(error),
                        [exports.RMQ_ORIGINAL_QUEUE_HEADER]: this.queueName,
                    },
                });
            }
            else {
                this.deliveryLogger.warn(`dropping an event whose handler failed ${deliveries} time(s)${correlationOf(context)}: ${describe(error)}`);
            }
        }
        catch (err) {
            // Not republished: leave it unacknowledged, the broker delivers it again after a reconnect.
            this.deliveryLogger.error(`could not requeue or dead-letter a failed event${correlationOf(context)}: ${String(err)}`);
            return;
        }
        this.ack(context);
    }
}
exports.MessagingServerRMQ = MessagingServerRMQ;
/** ` [correlationId=... messageId=...]` of a delivered message, for log lines; empty when it carries none (a plain Nest sender). */
function correlationOf(context) {
    const headers = context.getMessage()?.properties?.headers ?? {};
    const correlationId = headers[metadata_keys_1.MetadataKeys.correlationId];
    const messageId = headers[metadata_keys_1.MetadataKeys.messageId];
    if (!(0, message_metadata_1.isValidId)(correlationId))
        return '';
    return ` [correlationId=${correlationId}${(0, message_metadata_1.isValidId)(messageId) ? ` messageId=${messageId}` : ''}]`;
}
