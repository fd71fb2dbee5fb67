import { ServerMqtt, type MqttOptions } from '@nestjs/microservices';
import { currentInbound } from '../context/message-context';
import { mqttCarrier } from '../wire/transports/mqtt';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';

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

  constructor(options: MqttServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super({ protocolVersion: 5, ...options });
    this.pipeline = new InboundPipeline({ carrier: mqttCarrier, tracked: false }, serverOptions);
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
