import { RedisContext, ServerRedis, type RedisOptions } from '@nestjs/microservices';
import { incomingPacketMetadata } from './incoming-metadata';

type RedisServerOptions = NonNullable<RedisOptions['options']>;

/**
 * Nest's Redis server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12. Use it through {@link messagingMicroservice}.
 */
export class MessagingServerRedis extends ServerRedis {
  constructor(options: RedisServerOptions = {}) {
    super(options);
  }

  override handleMessage(...args: Parameters<ServerRedis['handleMessage']>): ReturnType<ServerRedis['handleMessage']> {
    // Nest 12's RedisContext shows the packet's metadata itself: no async context needed.
    if (CONTEXT_HAS_METADATA) return super.handleMessage(...args);
    return incomingPacketMetadata.run({ metadata: undefined }, () => super.handleMessage(...args));
  }

  // Public in Nest 11 and 12, and called synchronously first thing in handleMessage:
  // the parsed packet is caught here without a second JSON.parse.
  override parseMessage(content: unknown): ReturnType<ServerRedis['parseMessage']> {
    const parsed = super.parseMessage(content);
    const holder = incomingPacketMetadata.getStore();
    if (holder && parsed !== null && typeof parsed === 'object') holder.metadata = (parsed as { metadata?: unknown }).metadata;
    return parsed;
  }
}

/** Feature detection, not version detection: Nest 12's RedisContext has getMetadata(). */
const CONTEXT_HAS_METADATA = typeof (RedisContext.prototype as { getMetadata?: unknown }).getMetadata === 'function';
