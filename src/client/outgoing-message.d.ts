import type { WireMetadata } from '../metadata/message-metadata';
/**
 * The payload and its metadata on their way from MessagingClient to the
 * transport's serializer, which unwraps them (see {@link MessagingClientSerializer}).
 *
 * Should a proxy without that serializer ever serialize it, `toJSON()` gives
 * the bare payload: the peer then receives exactly what a plain ClientProxy
 * would have sent, only without metadata.
 * @internal
 */
export declare class OutgoingMessage<T = unknown> {
    readonly data: T;
    readonly metadata: WireMetadata;
    constructor(data: T, metadata: WireMetadata);
    toJSON(): T;
}
