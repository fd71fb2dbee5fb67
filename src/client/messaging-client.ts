import { ClientGrpcProxy, Transport, type ClientProxy } from '@nestjs/microservices';
import { concatMap, defer, from, lastValueFrom, Observable, type Observer, type Unsubscribable } from 'rxjs';
import { toDto } from '../contract/contract-codec';
import {
  isContract,
  type AnyContract,
  type CurrentOf,
  type EventContract,
  type MessageContract,
  type PayloadOf,
  type ResponseOf,
  type VersionsOf,
} from '../contract/message-contract';
import {
  describePattern,
  MessagingConfigurationError,
  MessagingError,
  type MessagePattern,
  type MessagingErrorFields,
} from '../errors/messaging.errors';
import { MessagingErrorCode } from '../errors/error-codes';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { carrierFor, systemName, transportOfProxy, type Carrier } from '../wire/carriers';
import { DEFAULT_CALL_POLICY, mergePolicy, type CallPolicy, type ResolvedPolicy } from './call-policy';
import { prepareCall } from './prepare-call';
import { CallExecution, type Call, type ExecutionHost } from './call-execution';
import { classifyError } from './classify-error';
import { MessagingTcpClient } from './tcp/messaging-tcp-client';
import { ConnectionWatchdog } from './connection-watchdog';
import { EmitOutcome } from './emit-outcome';
import { TCP_CLIENT_DEFAULTS, type TcpClientOptions } from './tcp-client.options';
import { ClientResilience } from '../resilience/client-resilience';
import type { ClientResilienceOptions } from '../resilience/resilience.options';

/** Options of one call: its policy, plus metadata. */
export interface CallOptions extends CallPolicy {
  /**
   * Application metadata for this call (keys without the `app-` prefix). It is
   * laid over the keys of the current message context.
   */
  metadata?: Record<string, string>;
  /** Version of the payload's contract, sent in the metadata. */
  payloadVersion?: number;
}

/** Options of a call made with a contract: the version replaces `payloadVersion`. */
export interface ContractCallOptions<N extends number = number> extends Omit<CallOptions, 'payloadVersion'> {
  /**
   * Send the payload as this (older) version of the contract; the handler
   * upcasts it. The payload must then have that version's shape.
   * @default the contract's current version
   */
  version?: N;
}

/** What {@link MessagingClient.wrap} takes besides the proxy, the name and the policy. */
export interface WrapOptions {
  /** Instrumentations (tracing, metrics) that observe every call. */
  instrumentation?: readonly MessagingInstrumentation[];
  /** Circuit breaker, bulkhead and retry budget. */
  resilience?: ClientResilienceOptions;
  /** A TCP proxy's connection watch (see {@link TcpClientOptions.deadAfterTimeouts}). */
  tcp?: Pick<TcpClientOptions, 'deadAfterTimeouts'>;
}

/** How a MessagingClient is set up (built by MessagingModule or {@link MessagingClient.wrap}: applications do not make one). */
export interface MessagingClientConfig {
  /** Name of the client, in errors and logs. */
  readonly name: string;
  /** The client's policy (module default and client overrides merged). */
  readonly policy: ResolvedPolicy;
  /** Whether `close()` also closes the ClientProxy (true when the library built it). */
  readonly ownsProxy: boolean;
  /** Instrumentations that observe every call. */
  readonly instrumentation?: readonly MessagingInstrumentation[];
  /** How metadata rides on the proxy's transport (default: from the proxy's class). */
  readonly carrier?: Carrier;
  /** Circuit breaker, bulkhead and retry budget of the client, when configured. */
  readonly resilience?: ClientResilience;
  /** TCP: the connection watchdog's threshold (see TcpClientOptions.deadAfterTimeouts). */
  readonly deadAfterTimeouts?: number | false;
}



/**
 * A named client over a Nest `ClientProxy`: every call carries message
 * metadata (ids, correlation, causation, application keys), ends within its
 * time budget, and is retried by its policy.
 *
 * Inject it with `@InjectMessagingClient(name)`.
 *
 * @example
 * const user = await this.users.request<User>({ cmd: 'get_user' }, { id: 42 });
 */
export class MessagingClient {
  private readonly pending = new Set<CallExecution>();
  private closed = false;
  /** What each call's execution reads from its client (replaced by {@link useProxy}). */
  private host: ExecutionHost;
  private watchdog: ConnectionWatchdog | undefined;
  /** The proxy calls go through now (another one while {@link useProxy} redirects the client). */
  private currentProxy: ClientProxy;

  constructor(
    /** The Nest client the library built or was given: the one `close()` closes when the library owns it. */
    private readonly ownProxy: ClientProxy,
    private readonly config: MessagingClientConfig,
  ) {
    if (ownProxy instanceof ClientGrpcProxy) {
      throw new MessagingConfigurationError(
        `client '${config.name}': a gRPC ClientGrpc has no send/emit; wrap it with MessagingGrpcClient.wrap() from 'nestjs-messaging/grpc'`,
      );
    }
    this.currentProxy = ownProxy;
    this.host = this.hostFor(ownProxy, config.carrier);
    config.resilience?.onCircuitOpen(() => this.watchdog?.circuitOpened());
  }

  /** The execution host of calls sent through `proxy`, with the carrier and watchdog of its transport. */
  private hostFor(proxy: ClientProxy, given: Carrier | undefined): ExecutionHost {
    const { config } = this;
    const fast = proxy instanceof MessagingTcpClient ? proxy : undefined;
    const proxyTransport = fast ? Transport.TCP : transportOfProxy(proxy);
    const transport = given?.transport ?? proxyTransport;
    const carrier = given ?? carrierFor(transport);
    const threshold = config.deadAfterTimeouts ?? TCP_CLIENT_DEFAULTS.deadAfterTimeouts;
    const watchdog =
      proxyTransport === Transport.TCP && threshold !== false ? new ConnectionWatchdog(proxy, config.name, threshold) : undefined;
    this.watchdog = watchdog;
    return {
      watchdog,
      name: config.name,
      // The library's TCP client takes the metadata straight into its frame; any other proxy gets an envelope.
      dispatch: fast
        ? (call, metadata) => fast.attempt(call.pattern, call.data, metadata, call.event)
        : (call, metadata) => {
            const message = carrier.wrap(call.data, metadata);
            return call.event ? proxy.emit(call.pattern, message) : proxy.send(call.pattern, message);
          },
      classify: classifyError,
      system: systemName(transport),
      instruments: config.instrumentation?.some((i) => i.startCall) ? config.instrumentation : undefined,
      pending: this.pending,
      resilience: config.resilience,
      isClosed: () => this.closed,
    };
  }

  /** The Nest client underneath (another one while {@link useProxy} redirects the client). Calls made on it directly carry no metadata. */
  get proxy(): ClientProxy {
    return this.currentProxy;
  }

  /**
   * Sends this client's calls through `proxy` from now on, with the carrier
   * of `proxy`'s transport, until the returned function puts back the proxy
   * the client had. Calls already started finish on the proxy they started
   * on; `close()` still closes only the proxy the library built. Made for
   * tests (`MessagingClients.useProxy`, `nestjs-messaging/testing`).
   * @internal
   */
  useProxy(proxy: ClientProxy): () => void {
    const previous = this.host;
    const previousWatchdog = this.watchdog;
    const previousProxy = this.currentProxy;
    this.host = this.hostFor(proxy, undefined);
    this.currentProxy = proxy;
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      this.host = previous;
      this.watchdog = previousWatchdog;
      this.currentProxy = previousProxy;
    };
  }

  /**
   * Wraps a ClientProxy made elsewhere (e.g. by ClientsModule). For metadata to
   * reach the wire, that proxy must use {@link MessagingClientSerializer};
   * without it, calls still work and peers get the bare payload.
   * `close()` then fails pending calls but leaves the proxy to its owner.
   */
  static wrap(
    proxy: ClientProxy,
    name: string,
    policy?: CallPolicy,
    options: WrapOptions = {},
  ): MessagingClient {
    return new MessagingClient(proxy, {
      name,
      policy: mergePolicy(DEFAULT_CALL_POLICY, policy),
      ownsProxy: false,
      instrumentation: options.instrumentation,
      resilience: options.resilience ? new ClientResilience(options.resilience) : undefined,
      deadAfterTimeouts: options.tcp?.deadAfterTimeouts,
    });
  }

  /** Name of this client. */
  get name(): string {
    return this.config.name;
  }

  /**
   * The client's circuit breaker, bulkhead and retry budget (`snapshot()` tells
   * their state); `undefined` when its definition has no `resilience` options.
   */
  get resilience(): ClientResilience | undefined {
    return this.config.resilience;
  }

  /**
   * Sends a request and returns the replies as a cold Observable, like
   * `ClientProxy.send`: nothing happens until it is subscribed, and each
   * subscription is one message (one message id; retries keep it). A handler
   * that streams several values emits each of them.
   *
   * @throws (through the Observable) MessagingTimeoutError, MessagingConnectionError,
   *   MessagingRemoteError, MessagingRetriesExhaustedError, MessagingClientClosedError.
   */
  send<
    TResult = unknown,
    TInput = unknown,
    C extends MessagePattern | MessageContract = MessagePattern,
    N extends VersionsOf<C> = CurrentOf<C>,
  >(
    target: C,
    data: C extends MessageContract ? NoInfer<PayloadOf<C, N>> : TInput,
    options?: C extends MessageContract ? ContractCallOptions<N> : CallOptions,
  ): Observable<C extends MessageContract ? ResponseOf<C> : TResult>;
  send(target: MessagePattern | MessageContract, data: unknown, options?: CallOptions | ContractCallOptions): Observable<unknown> {
    const call = this.prepare(target, data, options, false);
    const source = new Observable<unknown>((subscriber) => this.run(call, subscriber));
    if (!call.contract) return source;
    return this.withContractChecks(call, source);
  }

  /**
   * Sends a request and resolves with its last reply (`undefined` when the
   * handler returned nothing).
   *
   * @throws MessagingTimeoutError, MessagingConnectionError, MessagingRemoteError,
   *   MessagingRetriesExhaustedError, MessagingClientClosedError.
   * @example
   * const sum = await client.request<number>({ cmd: 'sum' }, [1, 2, 3], { timeout: 1000 });
   */
  request<
    TResult = unknown,
    TInput = unknown,
    C extends MessagePattern | MessageContract = MessagePattern,
    N extends VersionsOf<C> = CurrentOf<C>,
  >(
    target: C,
    data: C extends MessageContract ? NoInfer<PayloadOf<C, N>> : TInput,
    options?: C extends MessageContract ? ContractCallOptions<N> : CallOptions,
  ): Promise<C extends MessageContract ? ResponseOf<C> : TResult>;
  request(target: MessagePattern | MessageContract, data: unknown, options?: CallOptions | ContractCallOptions): Promise<unknown> {
    const call = this.prepare(target, data, options, false);
    if (call.contract) {
      const source = new Observable<unknown>((subscriber) => this.run(call, subscriber));
      return lastValueFrom(this.withContractChecks(call, source), { defaultValue: undefined });
    }
    // No Observable layer: the execution reports straight to the promise.
    return new Promise((resolve, reject) => void this.run(call, new LastValue(resolve, reject)));
  }

  /**
   * Publishes an event at once, like `ClientProxy.emit`, and returns a hot
   * Observable that emits once and completes when the transport has taken it,
   * or fails with a typed error. Ignoring it is safe.
   * The publish itself is bounded by the policy's timeout.
   *
   * @example
   * await lastValueFrom(client.emit('user_created', { id: 42 }));
   */
  emit<
    TInput = unknown,
    C extends MessagePattern | EventContract = MessagePattern,
    N extends VersionsOf<C> = CurrentOf<C>,
  >(
    target: C,
    data: C extends EventContract ? NoInfer<PayloadOf<C, N>> : TInput,
    options?: C extends EventContract ? ContractCallOptions<N> : CallOptions,
  ): Observable<void>;
  emit(target: MessagePattern | EventContract, data: unknown, options?: CallOptions | ContractCallOptions): Observable<void> {
    const call = this.prepare(target, data, options, true);
    const outcome = new EmitOutcome();
    if (call.contract && call.policy.validatePayloads) {
      this.withContractChecks(call, new Observable<unknown>((s) => this.run(call, s))).subscribe(outcome);
    } else {
      this.run(call, outcome);
    }
    return outcome;
  }

  /**
   * Fails every pending call with MessagingClientClosedError, refuses new ones,
   * and closes the ClientProxy if the library built it. Called on application
   * shutdown for the module's clients.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const execution of [...this.pending]) execution.cancel();
    if (this.config.ownsProxy) await this.ownProxy.close();
  }

  /**
   * Connects the ClientProxy now instead of on the first call.
   * @param timeout give up after this many milliseconds (default: wait as long as Nest does).
   * @throws the transport's connection error, or an Error when `timeout` passes first.
   */
  async connect(timeout?: number): Promise<void> {
    if (timeout === undefined) return void (await this.proxy.connect());
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.proxy.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no connection within ${timeout} ms`)), timeout);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Validates the payload before sending and the replies after, as the policy says. */
  private withContractChecks(call: Call, source: Observable<unknown>): Observable<unknown> {
    const contract = call.contract!;
    const version = call.payloadVersion ?? contract.current;
    const fields = { pattern: call.pattern, client: this.config.name, correlationId: call.correlationId };
    const response = contract.kind === 'message' ? contract.response : undefined;
    // Replies may carry fields a newer server added: strip them rather than fail.
    const replies =
      call.policy.validateResponses && response
        ? source.pipe(
            concatMap((reply) =>
              from(toDto(response, reply, version, { unknownProperties: 'strip' }, fields).catch((err: unknown) => Promise.reject(badReply(err, fields)))),
            ),
          )
        : source;
    if (!call.policy.validatePayloads) return replies;
    const cls = contract.versions[version]!;
    return defer(() => from(toDto(cls, call.data, version, {}, fields))).pipe(concatMap(() => replies));
  }

  private prepare(
    target: MessagePattern | AnyContract,
    data: unknown,
    options: CallOptions | ContractCallOptions | undefined,
    event: boolean,
  ): Call {
    const contract = isContract(target) ? target : undefined;
    const pattern = contract ? contract.pattern : (target as MessagePattern);
    const payloadVersion = contract
      ? ((options as ContractCallOptions | undefined)?.version ?? contract.current)
      : (options as CallOptions | undefined)?.payloadVersion;
    return prepareCall(pattern, data, this.config.policy, options, event, contract, payloadVersion);
  }

  /** Runs one message: attempts, retries, budget (see CallExecution). Returns the teardown. */
  private run(call: Call, out: Observer<never> | Observer<unknown>): Unsubscribable {
    return new CallExecution(this.host, call, out as Observer<unknown>).start();
  }
}

/**
 * A reply that breaks its contract's response is the called service's fault,
 * not the caller's: INTERNAL (gRPC's code for a malformed response), with the
 * failed fields in `details`.
 */
function badReply(err: unknown, fields: MessagingErrorFields): MessagingError {
  if (!(err instanceof MessagingError)) return err as MessagingError;
  const error = new MessagingError(
    `${describePattern(fields.pattern)} on client '${fields.client ?? '?'}': the reply breaks the contract's response: ${err.message}`,
    MessagingErrorCode.INTERNAL,
    false,
    { ...fields, cause: err },
  );
  return Object.assign(error, { details: (err as { details?: unknown }).details });
}

/** Resolves with the last value of a call (what `lastValueFrom` does, without an Observable). */
class LastValue implements Observer<unknown> {
  private last: unknown = undefined;
  constructor(
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {}
  next(value: unknown): void {
    this.last = value;
  }
  error(error: unknown): void {
    this.reject(error);
  }
  complete(): void {
    this.resolve(this.last);
  }
}
