import type { ClientProxy } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { type CurrentOf, type EventContract, type MessageContract, type PayloadOf, type ResponseOf, type VersionsOf } from '../contract/message-contract';
import type { MessagePattern } from '../errors/messaging.errors';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { type Carrier } from '../transports/carriers';
import { type CallPolicy, type ResolvedPolicy } from './call-policy';
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
}
/** How a MessagingClient is set up. @internal (built by MessagingModule or {@link MessagingClient.wrap}) */
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
export declare class MessagingClient {
    /** The Nest client underneath. Calls made on it directly carry no metadata. */
    readonly proxy: ClientProxy;
    private readonly config;
    private readonly pending;
    private closed;
    /** What each call's execution reads from its client. */
    private readonly host;
    constructor(
    /** The Nest client underneath. Calls made on it directly carry no metadata. */
    proxy: ClientProxy, config: MessagingClientConfig);
    /**
     * Wraps a ClientProxy made elsewhere (e.g. by ClientsModule). For metadata to
     * reach the wire, that proxy must use {@link MessagingClientSerializer};
     * without it, calls still work and peers get the bare payload.
     * `close()` then fails pending calls but leaves the proxy to its owner.
     */
    static wrap(proxy: ClientProxy, name: string, policy?: CallPolicy, options?: WrapOptions): MessagingClient;
    /** Name of this client. */
    get name(): string;
    /**
     * The client's circuit breaker, bulkhead and retry budget (`snapshot()` tells
     * their state); `undefined` when its definition has no `resilience` options.
     */
    get resilience(): ClientResilience | undefined;
    /**
     * Sends a request and returns the replies as a cold Observable, like
     * `ClientProxy.send`: nothing happens until it is subscribed, and each
     * subscription is one message (one message id; retries keep it). A handler
     * that streams several values emits each of them.
     *
     * @throws (through the Observable) MessagingTimeoutError, MessagingConnectionError,
     *   MessagingRemoteError, MessagingRetriesExhaustedError, MessagingClientClosedError.
     */
    send<C extends MessageContract, N extends VersionsOf<C> = CurrentOf<C>>(contract: C, payload: NoInfer<PayloadOf<C, N>>, options?: ContractCallOptions<N>): Observable<ResponseOf<C>>;
    send<TResult = unknown, TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Observable<TResult>;
    /**
     * Sends a request and resolves with its last reply (`undefined` when the
     * handler returned nothing).
     *
     * @throws MessagingTimeoutError, MessagingConnectionError, MessagingRemoteError,
     *   MessagingRetriesExhaustedError, MessagingClientClosedError.
     * @example
     * const sum = await client.request<number>({ cmd: 'sum' }, [1, 2, 3], { timeout: 1000 });
     */
    request<C extends MessageContract, N extends VersionsOf<C> = CurrentOf<C>>(contract: C, payload: NoInfer<PayloadOf<C, N>>, options?: ContractCallOptions<N>): Promise<ResponseOf<C>>;
    request<TResult = unknown, TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Promise<TResult>;
    /**
     * Publishes an event at once, like `ClientProxy.emit`, and returns a hot
     * Observable that emits once and completes when the transport has taken it,
     * or fails with a typed error. Ignoring it is safe.
     * The publish itself is bounded by the policy's timeout.
     *
     * @example
     * await lastValueFrom(client.emit('user_created', { id: 42 }));
     */
    emit<C extends EventContract, N extends VersionsOf<C> = CurrentOf<C>>(contract: C, payload: NoInfer<PayloadOf<C, N>>, options?: ContractCallOptions<N>): Observable<void>;
    emit<TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Observable<void>;
    /**
     * Fails every pending call with MessagingClientClosedError, refuses new ones,
     * and closes the ClientProxy if the library built it. Called on application
     * shutdown for the module's clients.
     */
    close(): Promise<void>;
    /** Connects the ClientProxy now instead of on the first call. */
    connect(): Promise<void>;
    /** Validates the payload before sending and the replies after, as the policy says. */
    private withContractChecks;
    private prepare;
    /** Runs one message: attempts, retries, budget (see CallExecution). Returns the teardown. */
    private run;
}
