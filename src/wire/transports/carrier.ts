import type { Serializer, Transport } from '@nestjs/microservices';
import type { WireMetadata } from '../message-metadata';

/** What a client serializer receives: `{ pattern, data, id }` (`id` only for requests). */
export interface OutgoingPacket {
  data?: unknown;
  metadata?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * How the metadata map rides on one transport, both ways: the envelope
 * MessagingClient hands to the ClientProxy, what the client serializer makes
 * of a packet, and where a server finds the map of a message it received.
 * One per transport, in this folder.
 */
export interface Carrier {
  /** The transport this carrier serves. */
  readonly transport: Transport;
  /** The transport's name as messaging conventions spell it (OpenTelemetry's `messaging.system`). */
  readonly system: string;
  /** The envelope of a payload and its metadata, passed to `ClientProxy.send/emit`. */
  wrap(data: unknown, metadata: WireMetadata): unknown;
  /**
   * The serializer's output for `packet`: the metadata placed where the
   * transport carries it, then `inner` (the serializer the user gave) or the
   * transport's default serializer.
   */
  serialize(packet: OutgoingPacket, inner: Serializer | undefined, options?: Record<string, unknown>): unknown;
  /**
   * The raw metadata map of a received message (`undefined` when the sender
   * sent none), from the transport's context and the packet-level `metadata`
   * field that the server strategy read off the packet.
   */
  read(context: unknown, packetField: unknown): unknown;
}

/** The packet's own metadata (a v12 dispatch hook's) under the call's. @internal */
export function mergeMetadata(packet: OutgoingPacket, metadata: WireMetadata): WireMetadata {
  return packet.metadata ? { ...packet.metadata, ...metadata } : metadata;
}
