import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { ClientOptions, ClientProxy } from '@nestjs/microservices';
import type { CallPolicy } from '../client/call-policy';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import type { ClientResilienceOptions } from '../resilience/resilience.options';
import type { TcpClientOptions } from '../client/tcp-client.options';
import type { AnyContract } from '../contract/message-contract';

/** When a client connects: at application bootstrap (fail fast) or on its first call. */
export type ConnectMode = 'eager' | 'lazy';

/**
 * A contract a client sends, as its definition declares it (`contracts`): the
 * contract alone (the client sends its current version), or the contract with
 * the versions the client sends (`{ contract: GetUser, versions: [1, 2] }`,
 * when calls pass `{ version: 1 }`).
 */
export type ClientContract = AnyContract | { readonly contract: AnyContract; readonly versions: readonly number[] };

/** What every client definition has, whatever builds its ClientProxy. */
export interface MessagingClientBase {
  /** Name of the client: `@InjectMessagingClient(name)`, and in errors and logs. */
  name: string;
  /** Overrides of the module's default call policy for this client. */
  policy?: CallPolicy;
  /**
   * `'eager'`: connect at application bootstrap and fail the bootstrap if the
   * peer or broker cannot be reached. `'lazy'`: connect on the first call.
   * @default the module's `connect`
   */
  connect?: ConnectMode;
  /** Circuit breaker, bulkhead and retry budget of this client (each off unless given). */
  resilience?: ClientResilienceOptions;
  /** TCP clients only: how the connection is kept and watched (see {@link TcpClientOptions}). */
  tcp?: TcpClientOptions;
  /**
   * The contracts this client sends (requests and events). They describe the
   * application: each becomes a `send` operation of its AsyncAPI document
   * (`generateAsyncApi` of `nestjs-messaging/asyncapi`, `npx nestjs-messaging asyncapi`),
   * and the contract diff knows which versions are still sent. Calls are not
   * checked against it.
   * @default [] (the document shows no send operation for this client)
   * @example contracts: [GetUser, UserCreated, { contract: CreateOrder, versions: [1, 2] }]
   */
  contracts?: readonly ClientContract[];
}

/**
 * A client whose ClientProxy the module builds with Nest's `ClientProxyFactory`,
 * from Nest's own client options (`{ transport: Transport.TCP, options: { port } }`).
 * The module adds its serializer, which wraps any serializer given here.
 */
export type MessagingTransportClient = MessagingClientBase & ClientOptions;

/** A client over a ClientProxy that already exists (its owner closes it). */
export interface MessagingProxyClient extends MessagingClientBase {
  /** The proxy. For metadata to reach the wire it must use `MessagingClientSerializer`. */
  proxy: ClientProxy;
}

/**
 * A client over a ClientProxy registered under another injection token, e.g.
 * by `ClientsModule.register([{ name: 'USERS', ... }])`: `useExisting: 'USERS'`.
 * The module that provides the token goes into `forRoot`'s `imports` (unless it
 * is global). Only with `forRoot` (with `forRootAsync`, inject the proxy and pass `proxy`).
 */
export interface MessagingExistingClient extends MessagingClientBase {
  /** The token of the ClientProxy. */
  useExisting: InjectionToken;
}

/** One client of the module. */
export type MessagingClientDefinition = MessagingTransportClient | MessagingProxyClient | MessagingExistingClient;

/** Options of {@link MessagingModule.forRoot} (and what `forRootAsync`'s factory returns). */
export interface MessagingModuleOptions {
  /** The named clients. */
  clients: MessagingClientDefinition[];
  /** The call policy of every client, unless a client or a call overrides it. */
  defaults?: CallPolicy;
  /**
   * When clients connect, unless a client says otherwise.
   * @default 'lazy'
   */
  connect?: ConnectMode;
  /**
   * Budget of an eager connection at bootstrap, in milliseconds.
   * @default 5000
   */
  connectTimeout?: number;
  /**
   * Instrumentations that observe every call of the module's clients (tracing,
   * metrics), e.g. `new OpenTelemetryInstrumentation()` from
   * `nestjs-messaging/opentelemetry`. The handler side has its own: give them
   * to `messagingMicroservice(options, { instrumentation })`.
   */
  instrumentation?: MessagingInstrumentation[];
}

/** A class that makes the module's options (for `forRootAsync({ useClass })`). */
export interface MessagingOptionsFactory {
  /** Returns the module's options. */
  createMessagingOptions(): MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Options of {@link MessagingModule.forRootAsync}. */
export interface MessagingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /**
   * Clients made at bootstrap, each by its own factory, as with Nest's
   * `ClientsModule.registerAsync([{ name, useFactory, inject }])`: each name
   * gets its injection token, and each factory returns that client's
   * definition without the name. They join the clients of the module-level
   * factory, if any.
   */
  clients?: MessagingAsyncClient[];
  /**
   * The names of the clients that the module-level factory (`useFactory`,
   * `useClass`, `useExisting`) defines and that get an injection token
   * (`@InjectMessagingClient(name)`). Clients not listed are still reachable
   * through `MessagingClients.get(name)`. The names of `clients` need not be
   * listed here.
   */
  clientNames?: string[];
  /** Makes the module's options (its `clients` may be left out when `clients` above defines them). */
  useFactory?: (...args: never[]) => MessagingModuleAsyncFactoryResult | Promise<MessagingModuleAsyncFactoryResult>;
  /** Providers injected into `useFactory`. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class implementing {@link MessagingOptionsFactory}, instantiated by the module. */
  useClass?: Type<MessagingOptionsFactory>;
  /** An existing provider implementing {@link MessagingOptionsFactory}. */
  useExisting?: InjectionToken<MessagingOptionsFactory>;
  /**
   * Registers the module globally.
   * @default false
   */
  isGlobal?: boolean;
}

/** A client definition without its name: what a per-client factory of `forRootAsync` returns. */
export type MessagingClientOptions =
  | Omit<MessagingTransportClient, 'name'>
  | Omit<MessagingProxyClient, 'name'>;

/** One client of `MessagingModule.forRootAsync({ clients })`, made by its own factory at bootstrap. */
export interface MessagingAsyncClient {
  /** Name of the client: `@InjectMessagingClient(name)`. */
  name: string;
  /** Makes the client's definition (transport and options, or a `proxy`), e.g. from a config service. */
  useFactory: (...args: never[]) => MessagingClientOptions | Promise<MessagingClientOptions>;
  /** Providers injected into `useFactory`. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
}

/** What `forRootAsync`'s module-level factory returns: the module's options, `clients` optional. */
export type MessagingModuleAsyncFactoryResult = Omit<MessagingModuleOptions, 'clients'> & { clients?: MessagingClientDefinition[] };

/** Options of {@link MessagingModule.forRoot}. */
export interface MessagingModuleRootOptions extends MessagingModuleOptions, Pick<ModuleMetadata, 'imports'> {
  /**
   * Registers the module globally.
   * @default false
   */
  isGlobal?: boolean;
}
