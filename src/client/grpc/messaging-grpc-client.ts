import { ClientGrpcProxy, type ClientGrpc } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { MessagingConfigurationError } from '../../errors/messaging.errors';
import type { MessagingInstrumentation } from '../../instrumentation/messaging-instrumentation';
import { ClientResilience } from '../../resilience/client-resilience';
import type { ClientResilienceOptions } from '../../resilience/resilience.options';
import type { CallExecution } from '../call-execution';
import { DEFAULT_CALL_POLICY, mergePolicy, type CallPolicy, type ResolvedPolicy } from '../call-policy';
import type { CallOptions } from '../messaging-client';
import { GrpcMethodClient, type GrpcClientShared } from './grpc-method';
import type { GrpcStubMethod } from './grpc-attempt';

/** Options of one gRPC call: its policy and application metadata (see `CallOptions`). */
export type GrpcCallOptions = CallOptions;

/**
 * The typed client of a gRPC service: each method of `T` that returns an
 * Observable (the shape Nest's `ClientGrpc.getService<T>()` and ts-proto's
 * `nestJs` output give) becomes `(request, options?) => Observable<Response>`.
 * A unary method emits its response and completes; a server-streaming method
 * emits each response; a method whose request type is an Observable streams
 * its requests (client and bidirectional streaming).
 */
export type GrpcServiceClient<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => Observable<unknown> ? K : never]: T[K] extends (
    request: infer Req,
    ...rest: never[]
  ) => Observable<infer Res>
    ? (request: Req, options?: GrpcCallOptions) => Observable<Res>
    : never;
};

/** What {@link MessagingGrpcClient.wrap} takes besides the client, the name and the policy. */
export interface GrpcWrapOptions {
  /** Instrumentations (tracing, metrics) that observe every call. */
  instrumentation?: readonly MessagingInstrumentation[];
  /** Circuit breaker, bulkhead and retry budget. */
  resilience?: ClientResilienceOptions;
}

/** How a MessagingGrpcClient is set up (built by MessagingModule or {@link MessagingGrpcClient.wrap}: applications do not make one). */
export interface MessagingGrpcClientConfig {
  readonly name: string;
  readonly policy: ResolvedPolicy;
  /** Whether `close()` also closes the ClientGrpc (true when the library built it). */
  readonly ownsClient: boolean;
  readonly instrumentation?: readonly MessagingInstrumentation[];
  readonly resilience?: ClientResilience;
}

/**
 * A named gRPC client over Nest's `ClientGrpc`, with the same guarantees as
 * MessagingClient: every call carries the message metadata (correlation and
 * causation ids, application keys, trace context) as gRPC metadata under the
 * wire format's keys, gets gRPC's native deadline from its time budget and
 * the deadline it inherits, is retried by its policy only after failures safe
 * to retry (UNAVAILABLE; DEADLINE_EXCEEDED of one attempt, with
 * `attemptTimeout`; idempotent calls only), goes through the client's circuit
 * breaker, bulkhead and retry budget, and fails with the library's typed
 * errors, their code mapped from the gRPC status.
 *
 * Define it in `MessagingModule` with Nest's gRPC client options and inject
 * it with `@InjectMessagingClient(name)`, or wrap a `ClientGrpc` of your own.
 *
 * @example
 * const users = this.grpc.getService<UsersService>('UsersService');
 * const user = await lastValueFrom(users.getUser({ id: 42 }, { timeout: 1000, idempotent: true }));
 */
export class MessagingGrpcClient {
  private readonly pending = new Set<CallExecution>();
  private readonly services = new Map<string, object>();
  private readonly stubs = new Map<string, GrpcStub>();
  /** The services of the proto packages, read once (for `connect()` before any `getService`). */
  private packageServices: string[] | undefined;
  private closed = false;
  private readonly shared: GrpcClientShared;

  constructor(
    /** The Nest gRPC client underneath. Calls made on it directly carry no metadata. */
    readonly grpc: ClientGrpc,
    private readonly config: MessagingGrpcClientConfig,
  ) {
    this.shared = {
      name: config.name,
      policy: config.policy,
      instruments: config.instrumentation?.some((i) => i.startCall) ? config.instrumentation : undefined,
      pending: this.pending,
      resilience: config.resilience,
      isClosed: () => this.closed,
    };
  }

  /**
   * Wraps a `ClientGrpc` made elsewhere (`ClientsModule`, `@Client()`,
   * `ClientProxyFactory`). `close()` then fails pending calls but leaves the
   * ClientGrpc to its owner.
   * @example
   * const grpc = MessagingGrpcClient.wrap(this.clientGrpc, 'users', { timeout: 2000 });
   */
  static wrap(grpc: ClientGrpc, name: string, policy?: CallPolicy, options: GrpcWrapOptions = {}): MessagingGrpcClient {
    return new MessagingGrpcClient(grpc, {
      name,
      policy: mergePolicy(DEFAULT_CALL_POLICY, policy),
      ownsClient: false,
      instrumentation: options.instrumentation,
      resilience: options.resilience ? new ClientResilience(options.resilience) : undefined,
    });
  }

  /** Name of this client. */
  get name(): string {
    return this.config.name;
  }

  /** The client's circuit breaker, bulkhead and retry budget; `undefined` without `resilience` options. */
  get resilience(): ClientResilience | undefined {
    return this.config.resilience;
  }

  /**
   * The typed client of the service `service` (its name in the proto
   * package, as for `ClientGrpc.getService`). Both spellings of each method
   * work: `GetUser` and `getUser`.
   * @throws InvalidGrpcServiceException (Nest's) when the package has no such service.
   * @example
   * const users = grpc.getService<UsersService>('UsersService');
   */
  getService<T extends object>(service: string): GrpcServiceClient<T> {
    const known = this.services.get(service);
    if (known) return known as GrpcServiceClient<T>;
    const stub = this.stub(service);
    const client: Record<string, unknown> = {};
    const proto = Object.getPrototypeOf(stub) as Record<string, unknown>;
    for (const key of Object.keys(proto)) {
      const method = proto[key];
      if (typeof method !== 'function' || typeof (method as { path?: unknown }).path !== 'string') continue;
      const rpc = new GrpcMethodClient(this.shared, stub, method as GrpcStubMethod);
      client[key] = (request: unknown, options?: GrpcCallOptions) => rpc.call(request, options);
    }
    this.services.set(service, client);
    return client as GrpcServiceClient<T>;
  }

  /**
   * Waits until the channel of every service in use (of every service of
   * the proto packages, before the first `getService`) is ready.
   * @param timeout give up after this many milliseconds (default: wait as long as gRPC does).
   * @throws an Error when a channel is not ready within `timeout`.
   */
  async connect(timeout?: number): Promise<void> {
    const names = this.stubs.size > 0 ? [...this.stubs.keys()] : (this.packageServices ??= serviceNames(this.grpc));
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
    await Promise.all(
      names.map(
        (name) =>
          new Promise<void>((resolve, reject) =>
            this.stub(name).waitForReady(deadline, (err) =>
              err ? reject(new Error(`gRPC service ${name} of client '${this.name}' not ready: ${err.message}`)) : resolve(),
            ),
          ),
      ),
    );
  }

  /**
   * Fails every pending call with MessagingClientClosedError, refuses new
   * ones, and closes the ClientGrpc if the library built it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const execution of [...this.pending]) execution.cancel();
    if (this.config.ownsClient && this.grpc instanceof ClientGrpcProxy) this.grpc.close();
  }

  private stub(service: string): GrpcStub {
    let stub = this.stubs.get(service);
    if (!stub) {
      stub = this.grpc.getClientByServiceName<GrpcStub>(service);
      if (stub === null || typeof stub !== 'object' || typeof stub.waitForReady !== 'function') {
        throw new MessagingConfigurationError(`client '${this.name}': service ${service} did not give a @grpc/grpc-js client`);
      }
      this.stubs.set(service, stub);
    }
    return stub;
  }
}

/** What the library uses of a `@grpc/grpc-js` service client. */
interface GrpcStub {
  waitForReady(deadline: number, callback: (error?: Error) => void): void;
}

/** The services of the proto packages a ClientGrpcProxy loaded (the top level of each, as Nest looks them up). */
function serviceNames(grpc: ClientGrpc): string[] {
  if (!(grpc instanceof ClientGrpcProxy)) return [];
  const names: string[] = [];
  for (const pkg of grpc.createClients() as Array<Record<string, unknown>>) {
    for (const [name, value] of Object.entries(pkg)) {
      if (typeof value === 'function' && (value as { service?: unknown }).service !== undefined) names.push(name);
    }
  }
  return names;
}
