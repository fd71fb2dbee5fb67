import { Logger } from '@nestjs/common';
import { ServerRedis, type RedisOptions } from '@nestjs/microservices';
import { currentInbound } from '../context/message-context';
import { redisCarrier } from '../wire/transports/redis';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';
import { drainGracefully } from './graceful-drain';

type RedisServerOptions = NonNullable<RedisOptions['options']>;

/**
 * Nest's Redis server running the library's inbound pipeline (see
 * `messagingMicroservice`): the packet's `metadata` field is read on Nest 11
 * as on Nest 12. Use it through {@link messagingMicroservice}.
 */
export class MessagingServerRedis extends ServerRedis {
  /** @internal */
  readonly pipeline: InboundPipeline;

  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');
  private readonly replyLost = (err: unknown): undefined =>
    void this.shutdownLogger.warn(
      `a reply could not be published (the caller's budget ends its call): ${err instanceof Error ? err.message : String(err)}`,
    );

  constructor(options: RedisServerOptions = {}, serverOptions: MessagingServerOptions = {}) {
    super(options);
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.pipeline = new InboundPipeline({ carrier: redisCarrier, tracked: this.gracePeriod > 0 }, serverOptions);
  }

  /** With a `gracePeriod`: unsubscribes, lets the messages in flight finish, then closes. */
  override async close(): Promise<void> {
    await drainGracefully(
      this.pipeline.inFlight,
      this.gracePeriod,
      async () => {
        await this.subClient?.unsubscribe();
        await this.subClient?.punsubscribe();
      },
      this.shutdownLogger,
    );
    return super.close();
  }

  /**
   * Nest's reply publisher, whose failure (the Redis connection is closed:
   * a broker outage) is logged instead of left as an unhandled rejection, as
   * Nest 11 leaves it. The reply is lost; the caller's budget ends its call.
   */
  override getPublisher(...args: Parameters<ServerRedis['getPublisher']>): ReturnType<ServerRedis['getPublisher']> {
    const publish = super.getPublisher(...args) as (response: unknown) => unknown;
    const lost = this.replyLost;
    return ((response: unknown) => {
      try {
        const sent = publish(response);
        return sent instanceof Promise ? sent.catch(lost) : sent;
      } catch (err) {
        return lost(err);
      }
    }) as ReturnType<ServerRedis['getPublisher']>;
  }

  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as never);
    super.addHandler(pattern, this.pipeline.wrap(route, callback, isEventHandler, extras) as never, isEventHandler, extras);
  }

  override handleMessage(...args: Parameters<ServerRedis['handleMessage']>): ReturnType<ServerRedis['handleMessage']> {
    return this.pipeline.receive(undefined, () => super.handleMessage(...args));
  }

  // Public in Nest 11 and 12, and called synchronously first thing in handleMessage:
  // the parsed packet's metadata field is caught here without a second JSON.parse.
  override parseMessage(content: unknown): ReturnType<ServerRedis['parseMessage']> {
    const parsed = super.parseMessage(content);
    const inbound = currentInbound();
    if (inbound && parsed !== null && typeof parsed === 'object') inbound.packetField = (parsed as { metadata?: unknown }).metadata;
    return parsed;
  }
}
