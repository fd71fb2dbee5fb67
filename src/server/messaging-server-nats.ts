import { Logger } from '@nestjs/common';
import { ServerNats, type NatsOptions } from '@nestjs/microservices';
import { natsCarrier } from '../wire/transports/nats';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';
import { drainGracefully } from './graceful-drain';

type NatsServerOptions = NonNullable<NatsOptions['options']>;
/** What the library needs of a `nats` subscription. */
interface NatsSubscription {
  unsubscribe(): void;
  drain(): Promise<void>;
}

/**
 * Nest's NATS server running the library's inbound pipeline (see
 * `messagingMicroservice`); the metadata rides in NATS headers. Use it
 * through {@link messagingMicroservice}.
 */
export class MessagingServerNats extends ServerNats {
  /** @internal */
  readonly pipeline: InboundPipeline;

  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');
  private readonly liveSubscriptions: NatsSubscription[] = [];

  constructor(options: NatsServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super(options);
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.pipeline = new InboundPipeline({ carrier: natsCarrier, tracked: this.gracePeriod > 0 }, serverOptions);
  }

  /** Keeps the subscriptions Nest makes, to end them on a graceful shutdown. */
  override bindEvents(client: Parameters<ServerNats['bindEvents']>[0]): void {
    const nats = client as unknown as { subscribe: (...args: unknown[]) => NatsSubscription };
    const subscribe = nats.subscribe;
    nats.subscribe = (...args: unknown[]) => {
      const sub = subscribe.apply(client, args);
      this.liveSubscriptions.push(sub);
      return sub;
    };
    try {
      super.bindEvents(client);
    } finally {
      nats.subscribe = subscribe;
    }
  }

  /**
   * With a `gracePeriod`: drains the subscriptions (the NATS server stops
   * routing to this instance, so a queue group's other members get the new
   * messages, and those already on their way here are still handled), lets
   * the messages in flight finish, then closes.
   */
  override async close(): Promise<void> {
    await drainGracefully(
      this.pipeline.inFlight,
      this.gracePeriod,
      () => Promise.all(this.liveSubscriptions.splice(0).map((sub) => drainSubscription(sub))),
      this.shutdownLogger,
    );
    return super.close();
  }

  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as never);
    super.addHandler(pattern, this.pipeline.wrap(route, callback, isEventHandler, extras) as never, isEventHandler, extras);
  }

  override handleMessage(...args: Parameters<ServerNats['handleMessage']>): ReturnType<ServerNats['handleMessage']> {
    return this.pipeline.receive(undefined, () => super.handleMessage(...args));
  }
}

/** Drains a subscription; one that cannot drain (already closed) is unsubscribed. */
async function drainSubscription(sub: NatsSubscription): Promise<void> {
  try {
    await sub.drain();
  } catch {
    try {
      sub.unsubscribe();
    } catch {
      // closed already
    }
  }
}
