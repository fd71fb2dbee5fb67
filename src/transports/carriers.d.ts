import { ClientProxy, Transport, type Serializer } from '@nestjs/microservices';
import type { WireMetadata } from '../metadata/message-metadata';
/** What a client serializer receives: `{ pattern, data, id }` (`id` only for requests). @internal */
export interface OutgoingPacket {
    data?: unknown;
    metadata?: Record<string, string>;
    [key: string]: unknown;
}
/**
 * How the metadata map rides on one transport, on the client side: the
 * envelope MessagingClient hands to the ClientProxy, and what the serializer
 * makes of a packet (with or without an envelope). One per transport.
 * @internal
 */
export interface Carrier {
    /** The transport this carrier serves. */
    readonly transport: Transport;
    /** The envelope of a payload and its metadata, passed to `ClientProxy.send/emit`. */
    wrap(data: unknown, metadata: WireMetadata): unknown;
    /**
     * The serializer's output for `packet`: the metadata placed where the
     * transport carries it, then `inner` (the serializer the user gave) or the
     * transport's default serializer.
     */
    serialize(packet: OutgoingPacket, inner: Serializer | undefined, options?: Record<string, unknown>): unknown;
}
/** The carrier of a transport. @internal */
export declare function carrierFor(transport: Transport | undefined): Carrier;
/**
 * The transport of a ClientProxy, from its class (`undefined` for a custom
 * transport, which then gets the packet-field carrier).
 * @internal
 */
export declare function transportOfProxy(proxy: ClientProxy): Transport | undefined;
/** The transport's name as messaging conventions spell it (OpenTelemetry's `messaging.system`). @internal */
export declare function systemName(transport: Transport | undefined): string;
