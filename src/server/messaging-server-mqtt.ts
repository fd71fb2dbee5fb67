import { Logger } from '@nestjs/common';
import { ServerMqtt, type MqttOptions } from '@nestjs/microservices';
import { currentInbound } from '../context/message-context';
import { mqttCarrier } from '../wire/transports/mqtt';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';
import { drainGracefully } from './graceful-drain';

type MqttServerOptions = NonNullable<MqttOptions['options']>;

/**
 * Nest's MQTT server running the library's inbound pipeline (see
 * `messagingMicroservice`), on MQTT 5 by default: the metadata rides in user
 * properties, or, from an MQTT 3.1.1 sender, in the body's `metadata` field.
 * Use it through {@link messagingMicroservice}.
 */
export class MessagingServerMqtt extends ServerMqtt {
  /** @internal */
  readonly pipeline: InboundPipeline;

  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');
  private readonly subscribedTopics: string[] = [];

  constructor(options: MqttServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super({ protocolVersion: 5, ...options });
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.pipeline = new InboundPipeline({ carrier: mqttCarrier, tracked: this.gracePeriod > 0 }, serverOptions);
  }

  /** Keeps the topics Nest subscribes to, to unsubscribe on a graceful shutdown. */
  override bindEvents(client: Parameters<ServerMqtt['bindEvents']>[0]): void {
    const mqtt = client as unknown as { subscribe: (topic: string, ...rest: unknown[]) => unknown };
    const subscribe = mqtt.subscribe;
    mqtt.subscribe = (topic: string, ...rest: unknown[]) => {
      this.subscribedTopics.push(topic);
      return subscribe.call(client, topic, ...rest);
    };
    try {
      super.bindEvents(client);
    } finally {
      mqtt.subscribe = subscribe;
    }
  }

  /** With a `gracePeriod`: unsubscribes, lets the messages in flight finish, then closes. */
  override async close(): Promise<void> {
    await drainGracefully(
      this.pipeline.inFlight,
      this.gracePeriod,
      () => {
        const topics = this.subscribedTopics.splice(0);
        if (topics.length) return (this.mqttClient as unknown as { unsubscribeAsync(t: string[]): Promise<unknown> }).unsubscribeAsync(topics);
        return undefined;
      },
      this.shutdownLogger,
    );
    super.close();
  }

  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as never);
    super.addHandler(pattern, this.pipeline.wrap(route, callback, isEventHandler, extras) as never, isEventHandler, extras);
  }

  override handleMessage(...args: Parameters<ServerMqtt['handleMessage']>): ReturnType<ServerMqtt['handleMessage']> {
    return this.pipeline.receive(undefined, () => super.handleMessage(...args));
  }

  // Called synchronously first thing in handleMessage (Nest 11 and 12): the
  // body's `metadata` field (an MQTT 3.1.1 sender's) is caught without a second JSON.parse.
  override parseMessage(content: unknown): ReturnType<ServerMqtt['parseMessage']> {
    const parsed = super.parseMessage(content);
    const inbound = currentInbound();
    if (inbound && parsed !== null && typeof parsed === 'object') inbound.packetField = (parsed as { metadata?: unknown }).metadata;
    return parsed;
  }
}
