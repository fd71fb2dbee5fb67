import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ClientGrpcProxy, ClientProxyFactory, Transport, type ClientOptions, type ClientProxy } from '@nestjs/microservices';
import { DEFAULT_CALL_POLICY, mergePolicy } from '../client/call-policy';
import { MessagingGrpcClient } from '../client/grpc/messaging-grpc-client';
import { MessagingClient } from '../client/messaging-client';
import { MessagingClientSerializer } from '../client/messaging-client.serializer';
import { carrierFor } from '../wire/carriers';
import { clientSocketClass } from '../wire/transports/tcp-framing';
import { NEST_ONLY_TCP_OPTIONS, TCP_CLIENT_DEFAULTS } from '../client/tcp-client.options';
import { MessagingTcpClient, type MessagingTcpClientOptions } from '../client/tcp/messaging-tcp-client';

import { MessagingConfigurationError, MessagingConnectionError } from '../errors/messaging.errors';
import { ClientResilience } from '../resilience/client-resilience';
import { MESSAGING_MODULE_OPTIONS } from './messaging.constants';
import type { MessagingClientDefinition, MessagingModuleOptions } from './messaging.options';

/** A client of the module: a MessagingClient, or a MessagingGrpcClient for a gRPC definition. */
export type AnyMessagingClient = MessagingClient | MessagingGrpcClient;

/**
 * The module's clients by name. Inject it to reach a client whose name is only
 * known at run time; otherwise prefer `@InjectMessagingClient(name)`.
 * It connects eager clients at bootstrap and closes every client on shutdown.
 */
@Injectable()
export class MessagingClients implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MessagingClients');
  private readonly clients = new Map<string, AnyMessagingClient>();
  private readonly definitions = new Map<string, MessagingClientDefinition>();

  constructor(@Inject(MESSAGING_MODULE_OPTIONS) private readonly options: MessagingModuleOptions) {
    for (const def of options.clients) {
      this.definitions.set(def.name, def);
      if ('transport' in def && def.transport === Transport.GRPC) {
        this.clients.set(def.name, this.build(def, ClientProxyFactory.create(def as ClientOptions), true));
      } else if ('transport' in def) {
        this.clients.set(def.name, this.build(def, libraryTcpClient(def) ?? ClientProxyFactory.create(withSerializer(def)), true));
      } else if ('proxy' in def) {
        this.clients.set(def.name, this.build(def, def.proxy, false));
      }
    }
  }

  /**
   * The client named `name`.
   * @throws MessagingConfigurationError when there is none, or when it is a gRPC client (see {@link getGrpc}).
   */
  get(name: string): MessagingClient {
    const client = this.resolve(name);
    if (client instanceof MessagingGrpcClient) {
      throw new MessagingConfigurationError(`client '${name}' is a gRPC client: get it with getGrpc('${name}') (a MessagingGrpcClient)`);
    }
    return client;
  }

  /**
   * The gRPC client named `name`.
   * @throws MessagingConfigurationError when there is none, or when it is not a gRPC client.
   */
  getGrpc(name: string): MessagingGrpcClient {
    const client = this.resolve(name);
    if (!(client instanceof MessagingGrpcClient)) {
      throw new MessagingConfigurationError(`client '${name}' is not a gRPC client: get it with get('${name}') (a MessagingClient)`);
    }
    return client;
  }

  /**
   * The client named `name`, whichever kind it is.
   * @throws MessagingConfigurationError when there is none.
   */
  resolve(name: string): AnyMessagingClient {
    const client = this.clients.get(name);
    if (!client) {
      throw new MessagingConfigurationError(
        `no MessagingClient named '${name}': the module defines ${[...this.definitions.keys()].map((n) => `'${n}'`).join(', ') || 'none'}`,
      );
    }
    return client;
  }

  /**
   * Sends the calls of the client named `name` through `proxy` from now on,
   * everywhere it was injected, until the returned function puts its own proxy
   * back. Made for tests: `nestjs-messaging/testing` points an application's
   * clients at in-memory applications and stubs with it
   * (`MessagingTestHarness.override`). The client keeps its name, policy,
   * resilience and instrumentation; the metadata rides as `proxy`'s transport
   * carries it. Calls already started finish on the proxy they started on.
   * @throws MessagingConfigurationError when there is no client named `name`.
   * @example
   * const restore = app.get(MessagingClients).useProxy('users', inMemoryProxy);
   * // ... the app's calls to 'users' go through inMemoryProxy
   * restore();
   */
  useProxy(name: string, proxy: ClientProxy): () => void {
    return this.get(name).useProxy(proxy);
  }

  /** Wraps the proxy of a `useExisting` client once Nest has resolved it. @internal */
  adopt(name: string, proxy: ClientProxy): AnyMessagingClient {
    const existing = this.clients.get(name);
    if (existing) return existing;
    const client = this.build(this.definitions.get(name)!, proxy, false);
    this.clients.set(name, client);
    return client;
  }

  /** Connects the clients marked eager; a failure stops the bootstrap. */
  async onApplicationBootstrap(): Promise<void> {
    const timeout = this.options.connectTimeout ?? 5000;
    await Promise.all(
      [...this.clients.values()]
        .filter((c) => (this.definitions.get(c.name)!.connect ?? this.options.connect ?? 'lazy') === 'eager')
        .map((c) => connectWithin(c, timeout)),
    );
  }

  /** Fails pending calls with MessagingClientClosedError and closes the proxies the module built. */
  async onApplicationShutdown(): Promise<void> {
    const results = await Promise.allSettled([...this.clients.values()].map((c) => c.close()));
    for (const r of results) {
      if (r.status === 'rejected') this.logger.warn(`closing a client failed: ${String(r.reason)}`);
    }
  }

  private build(def: MessagingClientDefinition, proxy: ClientProxy, owns: boolean): AnyMessagingClient {
    const policy = mergePolicy(mergePolicy(DEFAULT_CALL_POLICY, this.options.defaults), def.policy);
    const resilience = def.resilience ? new ClientResilience(def.resilience) : undefined;
    if (proxy instanceof ClientGrpcProxy) {
      return new MessagingGrpcClient(proxy, {
        name: def.name,
        policy,
        ownsClient: owns,
        instrumentation: this.options.instrumentation,
        resilience,
      });
    }
    const carrier = 'transport' in def ? carrierFor(def.transport) : undefined;
    return new MessagingClient(proxy, {
      name: def.name,
      policy,
      ownsProxy: owns,
      carrier,
      instrumentation: this.options.instrumentation,
      resilience,
      deadAfterTimeouts: def.tcp?.deadAfterTimeouts,
    });
  }
}

/**
 * The library's TCP client for a TCP definition, unless it asks for Nest's
 * (`tcp.client: 'nest'`) or gives options that only Nest's client takes.
 */
function libraryTcpClient(def: MessagingClientDefinition & ClientOptions): MessagingTcpClient | undefined {
  if ((def.transport ?? Transport.TCP) !== Transport.TCP || def.tcp?.client === 'nest') return undefined;
  const options = (def.options ?? {}) as Record<string, unknown>;
  const nestOnly = NEST_ONLY_TCP_OPTIONS.filter((key) => options[key] !== undefined);
  if (nestOnly.length > 0) {
    if (def.tcp?.client === 'library') {
      throw new MessagingConfigurationError(
        `client '${def.name}' has tcp.client 'library' and ${nestOnly.join(', ')}, which only Nest's ClientTCP takes: drop them or use tcp.client 'nest'`,
      );
    }
    return undefined;
  }
  return new MessagingTcpClient({ ...(options as MessagingTcpClientOptions), keepAlive: def.tcp?.keepAlive ?? TCP_CLIENT_DEFAULTS.keepAlive });
}

/** Nest's client options with the library's serializer around the one given (if any). */
function withSerializer(def: MessagingClientDefinition & ClientOptions): ClientOptions {
  const { transport, options } = def as ClientOptions & { options?: { serializer?: never } };
  const inner = (options as { serializer?: ConstructorParameters<typeof MessagingClientSerializer>[0] } | undefined)
    ?.serializer;
  const extra: Record<string, unknown> = transport === Transport.MQTT ? { protocolVersion: 5 } : {};
  if ((transport ?? Transport.TCP) === Transport.TCP && (options as { socketClass?: unknown } | undefined)?.socketClass === undefined) {
    // Keep-alive, no Nagle delay, coalesced writes; Nest's framing on the wire.
    extra.socketClass = clientSocketClass({
      keepAlive: def.tcp?.keepAlive ?? TCP_CLIENT_DEFAULTS.keepAlive,
      maxFrameLength: (options as { maxBufferSize?: number } | undefined)?.maxBufferSize,
    });
  }
  return {
    transport,
    options: { ...extra, ...options, serializer: new MessagingClientSerializer(inner, transport) },
  } as ClientOptions;
}

async function connectWithin(client: AnyMessagingClient, timeout: number): Promise<void> {
  try {
    await client.connect(timeout);
  } catch (err) {
    throw new MessagingConnectionError(
      `client '${client.name}' could not connect at bootstrap (connect: 'eager'): ${
        err instanceof Error ? err.message : String(err)
      }. Start its server or broker first, or use connect: 'lazy'`,
      { client: client.name, cause: err },
    );
  }
}
