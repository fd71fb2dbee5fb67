import { setImmediate as realSetImmediate, setTimeout as realSetTimeout } from 'node:timers';
import type { WireError } from '../errors/wire-error';
import { decodeMetadata, type MessageMetadata } from '../wire/message-metadata';
import { FaultSet, type Transit } from './faults';
import { routeOfWire } from './message-target';
import { MessageRecord, MessageRecorder, type RecordKind } from './recorder';

/** One message handed to a server: its frame, and where its replies and outcome go. */
export interface Delivery {
  /** The packet as its sender serialized it, framed as JSON (as TCP would carry it). */
  readonly frame: string;
  /** Requests: sends one reply packet (the server serializer's output) to the caller. */
  respond(reply: unknown): void;
  /** Events: the handling ended, with what the handler threw (or why it was refused), if anything. */
  consumed(error?: unknown): void;
}

/** What a server strategy gives the network to receive its messages. */
export interface EndpointServer {
  accept(delivery: Delivery): void;
}

/** Where a client gets the replies of one request. @internal */
export interface ReplySink {
  /** A reply packet, parsed from its frame (for the client's deserializer). */
  reply(packet: unknown): void;
  /** The transport failed under the request (the connection closed). */
  fail(error: Error): void;
}

/** Who sends, and to which endpoint. @internal */
export interface Link {
  readonly client: string | undefined;
  readonly endpoint: string;
}

/** What Nest's TCP client fails pending calls with when its connection closes (the library reads it as UNAVAILABLE). */
export function connectionClosed(): Error {
  return new Error('Connection closed');
}

/** What connecting to an endpoint no server listens on fails with (the library reads it as UNAVAILABLE). */
export function connectionRefused(endpoint: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED in-memory endpoint '${endpoint}': no server listens on it`), {
    code: 'ECONNREFUSED',
  });
}

/**
 * One hop of a message. With the real clock: a later turn of the event loop,
 * as a socket's data is read after the timers due now have run (a reply never
 * overtakes its caller's timeout firing at the same moment). Under a fake
 * clock (jest's, vitest's, the kit's: the global `setTimeout` is not Node's):
 * a microtask, which fake timers never hold and which their async advance
 * carries between two timers.
 */
function hop(fn: () => void): void {
  if (globalThis.setTimeout === realSetTimeout) realSetImmediate(fn);
  else void Promise.resolve().then(fn);
}

interface WirePacket {
  pattern?: unknown;
  data?: unknown;
  id?: string;
  metadata?: unknown;
}

/**
 * The in-process "wire" between the in-memory clients and servers of one
 * harness: endpoints by name, every message framed as JSON (so that what
 * arrives is what a socket would carry, and nothing is shared), recorded, and
 * passed through the injected faults (see `hop` for when messages arrive).
 * @internal
 */
export class InMemoryNetwork {
  readonly recorder = new MessageRecorder();
  readonly faults = new FaultSet();
  private readonly servers = new Map<string, EndpointServer>();
  /** Requests handed to a server and not answered yet, per endpoint: failed when it closes. */
  private readonly open = new Map<string, Set<RequestTransit>>();

  /** Makes `server` the one listening on `endpoint`. @throws Error when another listens there already. */
  bind(endpoint: string, server: EndpointServer): void {
    const current = this.servers.get(endpoint);
    if (current !== undefined && current !== server) {
      throw Object.assign(new Error(`listen EADDRINUSE: in-memory endpoint '${endpoint}' already has a server`), { code: 'EADDRINUSE' });
    }
    this.servers.set(endpoint, server);
  }

  /** `server` stops listening: requests it has not answered fail at their callers, as on a closed connection. */
  unbind(endpoint: string, server: EndpointServer): void {
    if (this.servers.get(endpoint) !== server) return;
    this.servers.delete(endpoint);
    const open = this.open.get(endpoint);
    this.open.delete(endpoint);
    for (const transit of open ?? []) transit.disconnected();
  }

  /** Whether a server listens on `endpoint`. */
  isBound(endpoint: string): boolean {
    return this.servers.has(endpoint);
  }

  /** Sends a request packet; returns its cancel (the caller stopped waiting). @throws what JSON.stringify throws. */
  request(link: Link, packet: unknown, sink: ReplySink): () => void {
    const transit = new RequestTransit(this, link, JSON.stringify(packet), sink);
    this.faults.apply(transit);
    return () => transit.cancel();
  }

  /** Publishes an event packet; resolves once taken, rejects when a fault breaks the connection under it. */
  event(link: Link, packet: unknown): Promise<void> {
    const transit = new EventTransit(this, link, JSON.stringify(packet));
    this.faults.apply(transit);
    return transit.refusal ? Promise.reject(transit.refusal) : Promise.resolve();
  }

  /** @internal */
  server(endpoint: string): EndpointServer | undefined {
    return this.servers.get(endpoint);
  }

  /** @internal */
  opened(endpoint: string, transit: RequestTransit): void {
    let open = this.open.get(endpoint);
    if (!open) this.open.set(endpoint, (open = new Set()));
    open.add(transit);
  }

  /** @internal */
  closed(endpoint: string, transit: RequestTransit): void {
    this.open.get(endpoint)?.delete(transit);
  }
}

/** What both kinds of transit share: the parsed packet, its route, its metadata, its records. */
abstract class BaseTransit {
  readonly route: string;
  readonly client: string | undefined;
  readonly endpoint: string;
  readonly correlationId: string | undefined;
  protected readonly packet: WirePacket;
  private readonly metadata: MessageMetadata | undefined;

  constructor(
    protected readonly network: InMemoryNetwork,
    link: Link,
    readonly frame: string,
  ) {
    this.packet = JSON.parse(frame) as WirePacket;
    this.route = routeOfWire(this.packet.pattern);
    this.client = link.client;
    this.endpoint = link.endpoint;
    this.metadata = this.packet.metadata === undefined ? undefined : decodeMetadata(this.packet.metadata);
    this.correlationId = this.metadata?.correlationId;
  }

  protected record(kind: RecordKind): MessageRecord {
    const pattern = this.packet.pattern as MessageRecord['pattern'];
    return this.network.recorder.add(
      new MessageRecord(kind, pattern, this.route, this.packet.data, this.metadata, this.client, this.endpoint, this.network.recorder),
    );
  }
}

class RequestTransit extends BaseTransit implements Transit {
  readonly kind = 'request';
  private readonly sent: MessageRecord;
  private cancelled = false;

  constructor(
    network: InMemoryNetwork,
    link: Link,
    frame: string,
    private readonly sink: ReplySink,
  ) {
    super(network, link, frame);
    this.sent = this.record('sent');
  }

  deliver(): void {
    hop(() => {
      const server = this.network.server(this.endpoint);
      if (!server) return this.disconnected();
      const received = this.record('received');
      this.network.opened(this.endpoint, this);
      server.accept({
        frame: this.frame,
        respond: (reply) => this.fromServer(received, JSON.stringify(reply)),
        consumed: () => undefined,
      });
    });
  }

  lose(reason: string): void {
    this.sent.settle({ status: 'dropped', reason });
  }

  answer(error: WireError): void {
    hop(() => this.toClient(JSON.stringify({ id: this.packet.id, err: error, isDisposed: true })));
  }

  disconnect(): void {
    hop(() => this.disconnected());
  }

  /** The connection under the request closed: its caller fails with Nest's 'Connection closed'. */
  disconnected(): void {
    this.network.closed(this.endpoint, this);
    const error = connectionClosed();
    this.sent.settle({ status: 'error', error });
    if (!this.cancelled) this.sink.fail(error);
  }

  cancel(): void {
    this.cancelled = true;
    this.sent.settle({ status: 'cancelled' });
  }

  private fromServer(received: MessageRecord, frame: string): void {
    settleFromReply(received, JSON.parse(frame) as ReplyPacket);
    hop(() => this.toClient(frame));
  }

  private toClient(frame: string): void {
    const reply = JSON.parse(frame) as ReplyPacket;
    if (settleFromReply(this.sent, reply)) this.network.closed(this.endpoint, this);
    if (!this.cancelled) this.sink.reply(JSON.parse(frame));
  }
}

interface ReplyPacket {
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

/** Applies one reply packet to a record; returns whether it was the last. */
function settleFromReply(record: MessageRecord, reply: ReplyPacket): boolean {
  if (reply.err !== undefined && reply.err !== null) {
    record.settle({ status: 'error', error: reply.err });
    return true;
  }
  if ('response' in reply) record.value(reply.response);
  if (reply.isDisposed) {
    record.settle('ok');
    return true;
  }
  return false;
}

class EventTransit extends BaseTransit implements Transit {
  readonly kind = 'event';
  /** Set when a fault broke the connection while the event was being published. */
  refusal: Error | undefined;
  private readonly emitted: MessageRecord;

  constructor(network: InMemoryNetwork, link: Link, frame: string) {
    super(network, link, frame);
    this.emitted = this.record('emitted');
  }

  deliver(): void {
    hop(() => {
      const server = this.network.server(this.endpoint);
      if (!server) return this.emitted.settle({ status: 'dropped', reason: `no server listens on '${this.endpoint}'` });
      const consumed = this.record('consumed');
      this.emitted.settle('ok');
      server.accept({
        frame: this.frame,
        respond: () => undefined,
        consumed: (error) => consumed.settle(error === undefined ? 'ok' : { status: 'error', error }),
      });
    });
  }

  lose(reason: string): void {
    this.emitted.settle({ status: 'dropped', reason });
  }

  answer(error: WireError): void {
    this.emitted.settle({ status: 'error', error });
  }

  disconnect(): void {
    const error = connectionClosed();
    this.refusal = error;
    this.emitted.settle({ status: 'error', error });
  }
}
