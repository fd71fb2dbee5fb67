import { ServerNats, type NatsOptions } from '@nestjs/microservices';
import { natsCarrier } from '../wire/transports/nats';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';

type NatsServerOptions = NonNullable<NatsOptions['options']>;

/**
 * Nest's NATS server running the library's inbound pipeline (see
 * `messagingMicroservice`); the metadata rides in NATS headers. Use it
 * through {@link messagingMicroservice}.
 */
export class MessagingServerNats extends ServerNats {
  /** @internal */
  readonly pipeline: InboundPipeline;

  constructor(options: NatsServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super(options);
    this.pipeline = new InboundPipeline({ carrier: natsCarrier, tracked: false }, serverOptions);
  }

  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as never);
    super.addHandler(pattern, this.pipeline.wrap(route, callback, isEventHandler, extras) as never, isEventHandler, extras);
  }

  override handleMessage(...args: Parameters<ServerNats['handleMessage']>): ReturnType<ServerNats['handleMessage']> {
    return this.pipeline.receive(undefined, () => super.handleMessage(...args));
  }
}
