import { ServerRedis, type RedisOptions } from '@nestjs/microservices';
type RedisServerOptions = NonNullable<RedisOptions['options']>;
/**
 * Nest's Redis server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12. Use it through {@link messagingMicroservice}.
 */
export declare class MessagingServerRedis extends ServerRedis {
    constructor(options?: RedisServerOptions);
    handleMessage(...args: Parameters<ServerRedis['handleMessage']>): ReturnType<ServerRedis['handleMessage']>;
    parseMessage(content: unknown): ReturnType<ServerRedis['parseMessage']>;
}
export {};
