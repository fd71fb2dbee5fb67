import { Logger } from '@nestjs/common';
import { GrpcMethodStreamingType, ServerGrpc, type GrpcOptions } from '@nestjs/microservices';
import { catchError, isObservable, Observable, throwError } from 'rxjs';
import { currentInbound } from '../context/message-context';
import { MessagingErrorCode } from '../errors/error-codes';
import { MessagingError } from '../errors/messaging.errors';
import { grpcCarrier, grpcStatusReply, loadGrpc, type GrpcServerCallLike, type GrpcServerLike } from '../wire/transports/grpc';
import { drainGracefully, settledWithin } from './graceful-drain';
import { InboundPipeline, type NestHandler } from './inbound-pipeline';
import type { MessagingServerOptions } from './server.options';

type GrpcServerOptions = GrpcOptions['options'];

/** A gRPC server call as the service method Nest made receives it. */
interface ServerCall extends GrpcServerCallLike {
  once(event: string, listener: () => void): unknown;
  /** Request streams (a Readable). */
  pause?(): unknown;
  resume?(): unknown;
}

type Respond = (...args: unknown[]) => unknown;
type ServiceMethod = (call: ServerCall, callback?: Respond) => unknown;

/**
 * Nest's gRPC server running the library's inbound pipeline for every call
 * of a `@GrpcMethod` / `@GrpcStreamMethod` handler (and the library's
 * `@GrpcHandler` / `@GrpcStreamHandler`): the message context opens when the
 * call arrives, with the ids and application keys of its gRPC metadata and
 * the call's own deadline (`getDeadline()`); its `AbortSignal` is aborted
 * when the client cancels or the deadline passes; a contract validates the
 * request where one is given; failures are answered with the gRPC status of
 * their code and the library's structured error in the trailing metadata
 * (`msg-error-bin`), never a stack or an internal message unless `exposeErrors`.
 * With `url` port 0 the OS picks the port: read it from {@link port}.
 * Use it through `messagingMicroservice({ transport: Transport.GRPC, options })`.
 */
export class MessagingServerGrpc extends ServerGrpc {
  /** @internal */
  readonly pipeline: InboundPipeline;
  private readonly gracePeriod: number;
  private readonly shutdownLogger = new Logger('MessagingServer');
  private readonly extras = new WeakMap<object, Record<string, unknown>>();
  private boundPort: number | undefined;

  constructor(
    private readonly grpcOptions: GrpcServerOptions,
    serverOptions: MessagingServerOptions = {},
  ) {
    super(grpcOptions);
    this.gracePeriod = serverOptions.gracePeriod ?? 0;
    this.pipeline = new InboundPipeline({ carrier: grpcCarrier, tracked: this.gracePeriod > 0 }, serverOptions);
  }

  /** The port the server listens on, once it listens (the one the OS picked for port 0). */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Messages being handled (tracked only with a `gracePeriod`). */
  get inFlight() {
    return this.pipeline.inFlight;
  }

  /** Keeps each handler's extras (the library's handler configuration) for when its service method is made. */
  override addHandler(pattern: unknown, callback: NestHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    this.extras.set(callback, extras);
    super.addHandler(pattern, callback as never, isEventHandler);
  }

  /**
   * The service method of one handler: the call opens its message context,
   * then Nest's own method runs the handler through the pipeline, whose
   * route is the method's full name (`package.Service/Method`).
   */
  override createServiceMethod(methodHandler: NestHandler, protoNativeHandler: unknown, streamType: GrpcMethodStreamingType): ServiceMethod {
    const proto = protoNativeHandler as { path?: unknown };
    const path = typeof proto.path === 'string' ? proto.path.replace(/^\//, '') : methodHandler.name;
    const piped = this.pipeline.wrap(path, methodHandler, false, this.extras.get(methodHandler));
    const requestStream = streamType === GrpcMethodStreamingType.RX_STREAMING;
    const handler: NestHandler = (data, context, call) =>
      asGrpcStatuses(piped(requestStream ? heldRequests(data, call as ServerCall) : data, context, call));
    Object.defineProperty(handler, 'name', { value: methodHandler.name });
    const serve = super.createServiceMethod(handler, protoNativeHandler, streamType) as ServiceMethod;
    return (call, callback) => this.serve(call, callback, serve, requestStream);
  }

  /** Binds as Nest does, and keeps the bound port (Nest forgets it). */
  override async createClient(): Promise<GrpcServerLike> {
    const grpc = loadGrpc();
    const options = this.grpcOptions ?? {};
    const channelOptions: Record<string, unknown> = { ...options.channelOptions };
    if (options.maxSendMessageLength) channelOptions['grpc.max_send_message_length'] = options.maxSendMessageLength;
    if (options.maxReceiveMessageLength) channelOptions['grpc.max_receive_message_length'] = options.maxReceiveMessageLength;
    if (options.maxMetadataSize) channelOptions['grpc.max_metadata_size'] = options.maxMetadataSize;
    const server = new grpc.Server({ ...channelOptions, ...this.getKeepaliveOptions() });
    const credentials: unknown = options.credentials ?? grpc.ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, credentials, (error, port) => (error ? reject(error) : resolve(port))),
    );
    return server;
  }

  /**
   * With a `gracePeriod`: stops taking new calls (gRPC's `tryShutdown`), lets
   * the calls in flight finish, aborts the signals of those still running
   * after the grace period, then closes as Nest does.
   */
  override async close(): Promise<void> {
    const server = this.grpcClient as GrpcServerLike | null | undefined;
    const started = performance.now();
    let shutdown: Promise<void> | undefined;
    const stopIntake = () => {
      if (server) shutdown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    };
    await drainGracefully(this.pipeline.inFlight, this.gracePeriod, stopIntake, this.shutdownLogger);
    // A reply handed to grpc-js is on the wire once its session has closed: wait for that (within the grace period).
    if (shutdown) await settledWithin([shutdown], this.gracePeriod - (performance.now() - started));
    await super.close();
  }

  private serve(call: ServerCall, callback: Respond | undefined, serve: ServiceMethod, requestStream: boolean): unknown {
    let settled = false;
    const respond: Respond | undefined =
      callback &&
      ((...args) => {
        settled = true;
        return callback(...args);
      });
    return this.pipeline.receive(call, () => {
      const message = currentInbound();
      if (message) {
        // grpc-js reports a cancelled call, and a deadline that passed, by the 'cancelled' event (and also once a finished call closes).
        call.once('cancelled', () => {
          if (!settled) message.abort(cancellation(call));
        });
        call.once('finish', () => (settled = true));
      }
      // Requests wait until the handler subscribes (see heldRequests).
      if (requestStream) call.pause?.();
      return serve(call, respond);
    });
  }
}

/**
 * A request stream that starts flowing when the handler subscribes to it.
 * The handler runs a few turns after the call arrives (the pipeline's
 * checks, Nest's guards); Nest buffers the requests that arrive meanwhile and
 * replays them once the handler has run (its `drainBuffer`), but Nest 11
 * drops that buffer when the stream ends before the replay. Holding the
 * requests in the call until the subscription leaves that buffer empty.
 */
function heldRequests(requests: unknown, call: ServerCall): unknown {
  if (!isObservable(requests)) {
    call.resume?.();
    return requests;
  }
  const held = new Observable<unknown>((subscriber) => {
    const subscription = requests.subscribe(subscriber);
    call.resume?.();
    return subscription;
  });
  const drain = (requests as { drainBuffer?: () => void }).drainBuffer;
  // Nest's @GrpcStreamMethod calls it once the handler has run.
  if (typeof drain === 'function') Object.defineProperty(held, 'drainBuffer', { value: () => drain.call(requests) });
  return held;
}

/** The handler's failures as gRPC statuses (see `grpcStatusReply`). */
function asGrpcStatuses(result: unknown): unknown {
  if (isObservable(result)) return result.pipe(catchError((err: unknown) => throwError(() => grpcStatusReply(err))));
  if (result instanceof Promise) return result.then(asGrpcStatuses);
  return result;
}

/**
 * Milliseconds before the call's deadline within which a cancellation counts
 * as the deadline passing: a client that gives up at its deadline cancels
 * the call a moment before the server's copy of it (computed from the
 * `grpc-timeout` header on receipt) passes.
 */
const DEADLINE_SLACK = 20;

function cancellation(call: GrpcServerCallLike): MessagingError {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Date.now() >= at - DEADLINE_SLACK
    ? new MessagingError('the deadline of this gRPC call passed', MessagingErrorCode.DEADLINE_EXCEEDED, false)
    : new MessagingError('the client cancelled this gRPC call', MessagingErrorCode.CANCELLED, false);
}
