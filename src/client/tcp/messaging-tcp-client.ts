import { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Observable, Subject, throwError, type Observer, type Subscribable, type Unsubscribable } from 'rxjs';
import type { WireMetadata } from '../../wire/message-metadata';
import { asOutgoing } from '../../wire/outgoing-message';
import { clientFrameOptions, FrameSocket, type FrameSocketOptions } from '../../wire/transports/tcp-framing';
import { TCP_CLIENT_DEFAULTS } from '../tcp-client.options';
import { MessagingConfigurationError } from '../../errors/messaging.errors';

/**
 * Options of {@link MessagingTcpClient}: where the server is and how the
 * connection is kept. Nest's `ClientTCP` options that change the framing or the
 * socket (`socketClass`, `tlsOptions`) are not taken: use Nest's client for those.
 */
export interface MessagingTcpClientOptions {
  /** @default 'localhost' */
  host?: string;
  /** @default 3000 */
  port?: number;
  /** TCP keep-alive probes after this many ms of silence; `0` turns them off. @default 15000 */
  keepAlive?: number;
  /** Longest reply frame accepted, in characters (Nest's `maxBufferSize`); a longer one closes the connection. @default 134217728 */
  maxBufferSize?: number;
  /** A reply frame started but not finished within this many ms closes the connection. @default 30000 */
  incompleteMessageTimeout?: number;
  /** Bytes queued for a server that does not read, beyond which the connection is closed. @default 67108864 */
  maxSendBufferSize?: number;
}

/** What a pending request is told when its reply (or its connection's end) arrives. @internal */
interface Pending {
  receive(err: unknown, response: unknown, isDisposed: boolean): void;
}

/**
 * The library's TCP client: a `ClientProxy` that speaks Nest's TCP framing and
 * packet shapes (`<length>#{"pattern","data","id"}`), so any Nest TCP server of
 * either major answers it, while costing less per call than Nest's `ClientTCP`:
 *
 * - Nagle's algorithm off and the frames of one tick written together (a large batch in growing writes: 1 KiB, 2, 4, 8 KiB ...);
 * - replies cut out of the received bytes without string concatenation;
 * - client-local ids (a counter) instead of a UUID per request;
 * - for calls made through a {@link MessagingClient}, no Observable, no
 *   serializer pass and no packet copy: the metadata is written into the frame directly.
 *
 * `send()`, `emit()`, `connect()`, `close()`, `unwrap()`, `on()` and `status`
 * behave as `ClientTCP`'s. The connection opens on the first call (or `connect()`),
 * and a call made after it closed opens a new one.
 *
 * @example
 * MessagingModule.forRoot({ clients: [{ name: 'orders', transport: Transport.TCP,
 *   options: { port: 4010 }, tcp: { client: 'library' } }] });
 * // or, outside the module:
 * const client = MessagingClient.wrap(new MessagingTcpClient({ port: 4010 }), 'orders');
 */
export class MessagingTcpClient extends ClientProxy {
  private readonly logger = new Logger('MessagingTcpClient');
  private readonly host: string;
  private readonly port: number;
  private readonly frames: FrameSocketOptions;
  private socket: ReplySocket | undefined;
  private connecting: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: Array<{ event: string; callback: (...args: unknown[]) => void }> = [];
  private seq = 0;

  constructor(options: MessagingTcpClientOptions = {}) {
    super();
    const given = options as MessagingTcpClientOptions & { socketClass?: unknown; tlsOptions?: unknown };
    if (given.socketClass !== undefined || given.tlsOptions !== undefined) {
      throw new MessagingConfigurationError(
        'MessagingTcpClient writes its own frames: socketClass and tlsOptions are not taken; use Nest\'s ClientTCP (tcp: { client: "nest" }) for those',
      );
    }
    this.host = options.host ?? 'localhost';
    this.port = options.port ?? 3000;
    this.frames = clientFrameOptions({
      keepAlive: options.keepAlive ?? TCP_CLIENT_DEFAULTS.keepAlive,
      maxFrameLength: options.maxBufferSize,
      incompleteFrameTimeout: options.incompleteMessageTimeout,
      maxSendBufferSize: options.maxSendBufferSize,
    });
    this.initializeSerializer(options as never);
    this.initializeDeserializer(options as never);
  }

  /** Opens the connection (once; a call made before it is up waits in the socket's buffer). */
  connect(): Promise<void> {
    this.current();
    return this.connecting!;
  }

  /** Closes the connection; calls still waiting fail with `Connection closed`. */
  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.connecting = undefined;
    this.listeners.length = 0;
    if (socket) {
      socket.netSocket.end();
      this.failPending(new Error('Connection closed'));
    }
  }

  /** The `net.Socket` of the current connection. @throws when not connected. */
  unwrap<T>(): T {
    if (!this.socket) throw new Error('Not initialized. Please call the "connect" method first.');
    return this.socket.netSocket as T;
  }

  /** Listens to the connection's socket events, also on the connections opened later. */
  override on(event: string, callback: (...args: unknown[]) => void): void {
    this.listeners.push({ event, callback });
    this.socket?.netSocket.on(event, callback);
  }

  /**
   * As `ClientProxy.send`: a cold Observable, one request per subscription.
   * The connection is opened by the write itself (a frame written while it
   * connects waits in the socket), not by a `connect()` Observable chained before each call.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return throwError(() => invalidMessage());
    return new Observable<TResult>((observer) => this.publish(this.packet(pattern, data), this.createObserver(observer)));
  }

  /**
   * As `ClientProxy.emit`: the event is written at once, whether or not the
   * result is subscribed; the Observable completes once the frame is written.
   */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return throwError(() => invalidMessage());
    const outcome = new Subject<TResult>();
    try {
      this.dispatchEvent<TResult>(this.packet(pattern, data)).then(
        (value) => {
          outcome.next(value);
          outcome.complete();
        },
        (err: unknown) => outcome.error(err),
      );
    } catch (err) {
      return throwError(() => err);
    }
    return outcome.asObservable();
  }

  /** Nest 12's packet (its dispatch hook sees it), or Nest 11's `{ pattern, data }`. */
  private packet(pattern: unknown, data: unknown): ReadPacket {
    const create = (this as unknown as { createPacket?: (p: unknown, d: unknown) => ReadPacket }).createPacket;
    return create ? create.call(this, pattern, data) : { pattern, data };
  }

  /**
   * One attempt of a {@link MessagingClient} call: the frame is queued when it
   * is subscribed, and the observer hears its replies (a request) or that it
   * was written (an event). Unsubscribing forgets the request.
   * @internal
   */
  attempt(pattern: unknown, data: unknown, metadata: WireMetadata, event: boolean): Subscribable<unknown> {
    return new TcpAttempt(this, pattern, data, metadata, event);
  }

  /** @internal */
  sendAttempt(attempt: TcpAttempt): void {
    const socket = this.current();
    let json = `{"pattern":${this.patternOf(attempt.pattern, attempt.event)},"data":${JSON.stringify(attempt.data)}`;
    if (!attempt.event) {
      const id = (++this.seq).toString(36);
      attempt.id = id;
      this.pending.set(id, attempt);
      json += `,"id":"${id}"`;
    }
    json += `,"metadata":${JSON.stringify(attempt.metadata)}}`;
    socket.sendJson(json, attempt.event ? (err) => attempt.finish(err) : undefined);
  }

  /** @internal */
  forget(id: string): void {
    this.pending.delete(id);
  }

  /** Nest's path (`send()`): the packet through the serializer, the reply to `callback`. */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let id: string | undefined;
    try {
      const socket = this.current();
      id = (++this.seq).toString(36);
      const serialized = this.serializer.serialize({ ...unwrapPacket(packet), id });
      this.pending.set(id, { receive: (err, response, isDisposed) => callback({ err, response, isDisposed }) });
      socket.sendMessage(serialized);
      return () => this.pending.delete(id!);
    } catch (err) {
      if (id !== undefined) this.pending.delete(id);
      callback({ err });
      return () => undefined;
    }
  }

  /** Nest's path (`emit()`): the packet through the serializer, settled once written. */
  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const socket = this.current();
    const serialized = this.serializer.serialize({ ...unwrapPacket(packet), pattern: this.normalizePattern(packet.pattern) });
    return new Promise<T>((resolve, reject) => socket.sendMessage(serialized, (err?: unknown) => (err ? reject(err) : resolve(undefined as T))));
  }

  /** @internal a reply frame */
  receive(message: { id?: unknown; err?: unknown; response?: unknown; isDisposed?: boolean }): void {
    if (typeof message.id !== 'string') return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    const disposed = message.isDisposed === true || (message.err !== undefined && message.err !== null);
    if (disposed) this.pending.delete(message.id);
    pending.receive(message.err ?? undefined, message.response, disposed);
  }

  /** @internal the connection of `socket` closed */
  closed(socket: ReplySocket, error: Error | undefined): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.connecting = undefined;
    this._status$.next('disconnected');
    this.failPending(error ?? new Error('Connection closed'));
  }

  /** The JSON of a pattern: requests carry it as given (as Nest's clients send it), events normalized (as Nest's do). */
  private patternOf(pattern: unknown, event: boolean): string {
    return JSON.stringify(event && typeof pattern !== 'string' ? this.normalizePattern(pattern as never) : pattern);
  }

  /** The open connection, or a new one (a destroyed socket is replaced at once, not on its `close` event). */
  private current(): ReplySocket {
    const existing = this.socket;
    if (existing && !existing.netSocket.destroyed) return existing;
    if (existing) this.closed(existing, undefined);
    const net = new Socket();
    const socket = new ReplySocket(net, this.frames, this);
    this.socket = socket;
    for (const { event, callback } of this.listeners) net.on(event, callback);
    let failure: Error | undefined;
    this.connecting = new Promise<void>((resolve, reject) => {
      net.once('connect', () => {
        if (this.socket === socket) this._status$.next('connected');
        resolve();
      });
      net.once('close', () => reject(failure ?? new Error('Connection closed')));
    });
    // A call that does not await connect() learns of a refused connection through its own failure.
    this.connecting.catch(() => undefined);
    net.on('error', (err: NodeJS.ErrnoException) => {
      failure = err;
      if (err.code !== 'ECONNREFUSED' && err.code !== 'ECONNRESET') this.logger.error(err.message);
    });
    net.on('close', () => this.closed(socket, failure));
    net.connect(this.port, this.host);
    return socket;
  }

  private failPending(err: Error): void {
    if (this.pending.size === 0) return;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const pending of waiting) {
      try {
        pending.receive(err, undefined, true);
      } catch (callbackErr) {
        // one failing observer must not keep the others waiting
        this.logger.error(callbackErr);
      }
    }
  }
}

/** The client's framing: reply frames go straight to the client (no event emitter in between). @internal */
class ReplySocket extends FrameSocket {
  constructor(
    socket: Socket,
    options: FrameSocketOptions,
    private readonly client: MessagingTcpClient,
  ) {
    super(socket, options);
  }

  protected override deliver(message: unknown): void {
    this.client.receive(message as never);
  }
}

/** One attempt of a MessagingClient call over a {@link MessagingTcpClient}. @internal */
class TcpAttempt implements Subscribable<unknown>, Unsubscribable, Pending {
  id: string | undefined;
  private observer: Partial<Observer<unknown>> | undefined;

  constructor(
    private readonly client: MessagingTcpClient,
    readonly pattern: unknown,
    readonly data: unknown,
    readonly metadata: WireMetadata,
    readonly event: boolean,
  ) {}

  subscribe(observer: Partial<Observer<unknown>>): Unsubscribable {
    this.observer = observer;
    try {
      this.client.sendAttempt(this);
    } catch (err) {
      this.finish(err);
    }
    return this;
  }

  unsubscribe(): void {
    this.observer = undefined;
    if (this.id !== undefined) this.client.forget(this.id);
  }

  receive(err: unknown, response: unknown, isDisposed: boolean): void {
    const observer = this.observer;
    if (observer === undefined) return;
    if (err !== undefined) return this.finish(err);
    if (response !== undefined || !isDisposed) observer.next?.(response);
    if (isDisposed) {
      this.observer = undefined;
      observer.complete?.();
    }
  }

  /** Ends the attempt: an error, or (an event's frame written) completion. */
  finish(err: unknown): void {
    const observer = this.observer;
    this.observer = undefined;
    if (observer === undefined) return;
    if (err !== undefined && err !== null) observer.error?.(err);
    else observer.complete?.();
  }
}

/** Nest's error for a nil pattern or payload (its class is not public; the message is the same). */
function invalidMessage(): Error {
  return new Error('The invalid data or message pattern (undefined/null)');
}

/** A packet with the library's envelope unwrapped (a MessagingClient call sent through `send()`). */
function unwrapPacket(packet: ReadPacket): ReadPacket & { metadata?: WireMetadata } {
  const env = asOutgoing(packet.data);
  return env ? { ...packet, data: env.data, metadata: env.metadata } : packet;
}
