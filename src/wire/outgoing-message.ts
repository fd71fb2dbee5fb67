import type { WireMetadata } from './message-metadata';

/** Brand of the library's envelopes, whatever class they extend. */
const ENVELOPE = Symbol.for('nestjs-messaging:envelope');

/** A payload with its metadata, however it is wrapped. @internal */
export interface Outgoing {
  readonly data: unknown;
  readonly metadata: WireMetadata;
}

/**
 * The payload and its metadata on their way from MessagingClient to the
 * transport's serializer, which unwraps them (see `MessagingClientSerializer`).
 *
 * Should a proxy without that serializer ever serialize it, `toJSON()` gives
 * the bare payload: the peer then receives exactly what a plain ClientProxy
 * would have sent, only without metadata.
 * @internal
 */
export class OutgoingMessage<T = unknown> implements Outgoing {
  readonly [ENVELOPE] = true;
  constructor(
    readonly data: T,
    readonly metadata: WireMetadata,
  ) {}

  toJSON(): T {
    return this.data;
  }
}

/** Marks an envelope class that cannot extend OutgoingMessage (MQTT's must be an MqttRecord). @internal */
export function brandEnvelope(envelope: object): void {
  Object.defineProperty(envelope, ENVELOPE, { value: true });
}

/** The envelope of `value`, when it is one of the library's. @internal */
export function asOutgoing(value: unknown): Outgoing | undefined {
  if (value instanceof OutgoingMessage) return value;
  return value !== null && typeof value === 'object' && (value as { [ENVELOPE]?: unknown })[ENVELOPE] === true
    ? (value as Outgoing)
    : undefined;
}
