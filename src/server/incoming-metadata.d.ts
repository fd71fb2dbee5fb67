import { AsyncLocalStorage } from 'node:async_hooks';
/**
 * The raw metadata of the packet being handled, set by the library's server
 * strategies (Nest 11's TcpContext and RedisContext have no getMetadata()).
 * @internal
 */
export declare const incomingPacketMetadata: AsyncLocalStorage<{
    metadata: unknown;
}>;
/**
 * The raw wire metadata of the message being handled, wherever its transport
 * carries it: NATS headers, RabbitMQ message headers, MQTT 5 user properties
 * (else the body's `metadata` field), the packet's `metadata` field on TCP and
 * Redis (`ctx.getMetadata()` on Nest 12, the library's server strategy on both).
 * `undefined` when the sender sent none.
 * @internal
 */
export declare function readIncomingMetadata(rpcContext: unknown): unknown;
