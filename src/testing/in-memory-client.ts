import { ClientProxy, type Deserializer, type MsPattern, type ReadPacket, type Serializer, type WritePacket } from '@nestjs/microservices';
import { MessagingClientSerializer } from '../client/messaging-client.serializer';
import { connectionClosed, connectionRefused, type InMemoryNetwork, type Link } from './in-memory-network';

/** Options of an in-memory client (`MessagingTestHarness.proxy`). */
export interface ClientInMemoryOptions {
  /**
   * The client's name, shown in recorded messages and selected by faults
   * scoped to a client. An overridden client keeps its MessagingClient name.
   */
  client?: string;
  /**
   * Nest's client serializer. The default, the library's
   * `MessagingClientSerializer`, puts a MessagingClient's metadata in the
   * packet's `metadata` field (as over TCP) and leaves a plain call's packet
   * as it is, as Nest's own would.
   * @default new MessagingClientSerializer()
   */
  serializer?: Serializer;
  /** Nest's client deserializer of replies. @default Nest's */
  deserializer?: Deserializer;
}

/** Picks the endpoint of each message by its route (an override sends stubbed patterns to its stubs). @internal */
export type EndpointOf = (route: string) => string;

/**
 * A Nest ClientProxy that sends its messages in process to the in-memory
 * server listening on an endpoint of its harness: each packet is serialized
 * (with the library's serializer by default), framed as JSON, recorded, passed
 * through the injected faults, and read by the server; replies come back the
 * same way. Connecting fails with a connection error (ECONNREFUSED) while no
 * server listens on the endpoint; a server that closes fails the requests it
 * has not answered, as over TCP. Made by `MessagingTestHarness.proxy(endpoint)`.
 * @example
 * MessagingModule.forRoot({ clients: [{ name: 'users', proxy: harness.proxy('users') }] });
 */
export class ClientInMemory extends ClientProxy {
  private readonly client: string | undefined;
  private readonly endpointOf: EndpointOf;

  /** @internal (made by the harness) */
  constructor(
    private readonly network: InMemoryNetwork,
    /** The endpoint this client sends to. */
    readonly endpoint: string,
    options: ClientInMemoryOptions = {},
    endpointOf?: EndpointOf,
  ) {
    super();
    this.client = options.client;
    this.endpointOf = endpointOf ?? (() => endpoint);
    this.serializer = options.serializer ?? new MessagingClientSerializer();
    this.initializeDeserializer({ deserializer: options.deserializer });
  }

  /** Resolves when a server listens on the endpoint; rejects with a connection error (ECONNREFUSED) otherwise. */
  async connect(): Promise<void> {
    if (!this.network.isBound(this.endpoint)) throw connectionRefused(this.endpoint);
    this._status$.next('connected');
  }

  /** Fails the requests waiting for a reply with 'Connection closed', as Nest's TCP client does. */
  close(): void {
    const callbacks = [...this.routingMap.values()];
    this.routingMap.clear();
    for (const callback of callbacks) (callback as (packet: WritePacket) => void)({ err: connectionClosed(), isDisposed: true });
    this._status$.next('disconnected');
  }

  /** The endpoint this client sends to. */
  unwrap<T>(): T {
    const info = { endpoint: this.endpoint };
    return info as T;
  }

  /** The in-memory transport emits no client events. */
  override on(): void {}

  /** Sends a request (Nest's `send()` calls it); the returned function forgets it (the caller unsubscribed). */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const withId = this.assignPacketId(packet);
    const id = withId.id;
    const link = this.linkOf(withId.pattern);
    this.routingMap.set(id, callback);
    const cancel = this.network.request(link, this.serializer.serialize(withId), {
      reply: (reply) => void this.handleResponse(reply),
      fail: (err) => {
        const pending = this.routingMap.get(id) as ((packet: WritePacket) => void) | undefined;
        this.routingMap.delete(id);
        pending?.({ err, isDisposed: true });
      },
    });
    return () => {
      this.routingMap.delete(id);
      cancel();
    };
  }

  /** Publishes an event (Nest's `emit()` calls it): resolves once the transport took it. */
  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return this.network.event(this.linkOf(packet.pattern), this.serializer.serialize(packet)) as Promise<T>;
  }

  /** What Nest's TCP client does with a reply: find its call by id, end it on the last reply or an error. */
  private async handleResponse(reply: unknown): Promise<void> {
    const { err, response, isDisposed, id } = (await this.deserializer.deserialize(reply)) as WritePacket & { id?: string };
    const callback = id === undefined ? undefined : (this.routingMap.get(id) as ((packet: WritePacket) => void) | undefined);
    if (!callback) return; // a late reply (its call timed out) or a duplicate's: dropped, as Nest drops it
    if (isDisposed || err) return callback({ err, response, isDisposed: true });
    callback({ err, response });
  }

  private linkOf(pattern: unknown): Link {
    const route = typeof pattern === 'string' ? pattern : this.normalizePattern(pattern as MsPattern);
    return { client: this.client, endpoint: this.endpointOf(route) };
  }
}
