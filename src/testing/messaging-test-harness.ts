import type { INestApplicationContext } from '@nestjs/common';
import type { CustomStrategy, Transport } from '@nestjs/microservices';
import type { CallPolicy } from '../client/call-policy';
import { MessagingClient, type WrapOptions } from '../client/messaging-client';
import type {
  EventContract,
  MessageContract,
  PayloadOf,
  ResponseOf,
  VersionsOf,
} from '../contract/message-contract';
import { MessagingClients } from '../module/messaging-clients';
import type { MessagingServerOptions } from '../server/server.options';
import { ClientOverride } from './client-override';
import { FaultBuilder } from './faults';
import { ClientInMemory, type ClientInMemoryOptions } from './in-memory-client';
import { InMemoryNetwork } from './in-memory-network';
import { MessagingServerInMemory } from './in-memory-server';
import type { MessageTarget } from './message-target';
import type { MessageRecorder, RecordedMessage, RecordKind, WaitForOptions } from './recorder';

/** The microservice options of an in-memory server: pass them to `NestFactory.createMicroservice` or `app.connectMicroservice`. */
export interface InMemoryMicroservice extends CustomStrategy {
  /** The server strategy. */
  readonly strategy: MessagingServerInMemory;
}

/** The records of a message contract: its payload (any version) and its response. */
type RecordsOf<C> = C extends MessageContract
  ? RecordedMessage<PayloadOf<C, VersionsOf<C>>, ResponseOf<C>>
  : C extends EventContract
    ? RecordedMessage<PayloadOf<C, VersionsOf<C>>, undefined>
    : RecordedMessage;

/**
 * A test harness for applications built with nestjs-messaging, for any test
 * runner: an in-memory transport (no socket, no broker) on which the real
 * application's microservices listen and its real clients call, with the
 * library's whole behaviour; overrides of an application's named clients
 * (stubs typed by contracts, or another in-memory application); a recorder of
 * every message; fault injection. Time: see {@link TestClock} (or jest's and
 * vitest's modern fake timers). One harness is one isolated in-process
 * network: make one per test file (or per test), and `close()` it after.
 *
 * @example
 * const harness = new MessagingTestHarness();
 * const users = await NestFactory.createMicroservice(UsersModule, { ...harness.microservice('users'), logger: false });
 * await users.listen();
 * const app = await NestFactory.create(AppModule);   // its client 'users' is a TCP client
 * await app.init();
 * harness.override(app, 'users').routeTo('users');     // ...that now calls the in-memory 'users' app
 * await request(app).get('/users/42');
 * expect(harness.sent(GetUser)[0]!.outcome).toMatchObject({ status: 'ok' });
 */
export class MessagingTestHarness {
  private readonly network = new InMemoryNetwork();
  private readonly overrides = new Set<ClientOverride>();
  private readonly made = new Set<ClientInMemory>();

  /** Every message the harness carried, queryable (the shortcuts below read it). */
  get recorder(): MessageRecorder {
    return this.network.recorder;
  }

  /**
   * Microservice options whose server listens in memory on `endpoint`, runs
   * the library's inbound pipeline like `messagingMicroservice()`'s, and takes
   * the same server options (handler defaults, `appKeys`, `gracePeriod`...).
   * It serves every handler of the application, unless `transport` names the
   * transport it stands in for: then, as Nest does, only the handlers pinned
   * to that transport (`@MessagePattern(pattern, Transport.TCP)`) or to none.
   * @example
   * app.connectMicroservice(harness.microservice('users', { handlers: { exposeErrors: true } }));
   */
  microservice(endpoint: string, server: MessagingServerOptions = {}, transport?: Transport | symbol): InMemoryMicroservice {
    return { strategy: new MessagingServerInMemory(this.network, endpoint, server, transport) };
  }

  /**
   * A Nest ClientProxy that sends to the in-memory server on `endpoint`: give
   * it to `MessagingModule.forRoot({ clients: [{ name, proxy }] })`, to
   * `MessagingClient.wrap`, or use it as a plain Nest client (a call made
   * directly on it carries no metadata, as with any ClientProxy).
   */
  proxy(endpoint: string, options: ClientInMemoryOptions = {}): ClientInMemory {
    const proxy = new ClientInMemory(this.network, endpoint, options);
    this.made.add(proxy);
    return proxy;
  }

  /** A MessagingClient named `name` that calls the in-memory server on `endpoint`. */
  client(endpoint: string, name = endpoint, policy?: CallPolicy, options?: WrapOptions): MessagingClient {
    return MessagingClient.wrap(this.proxy(endpoint, { client: name }), name, policy, options);
  }

  /**
   * Points the client named `name` of an application (its MessagingModule's,
   * wherever it is injected) at the in-memory transport, until `restore()`:
   * add stubs and, for the rest, an endpoint to route to (see {@link ClientOverride}).
   * Give a MessagingClient instead of an application to override that client.
   * @throws MessagingConfigurationError when the application has no client of that name.
   */
  override(app: INestApplicationContext, name: string): ClientOverride;
  override(client: MessagingClient): ClientOverride;
  override(target: INestApplicationContext | MessagingClient, name?: string): ClientOverride {
    let clientName: string;
    let useProxy: (proxy: ClientInMemory) => () => void;
    if (target instanceof MessagingClient) {
      clientName = target.name;
      useProxy = (proxy) => target.useProxy(proxy);
    } else {
      if (name === undefined) throw new TypeError('override(app, name): give the name of the client to override');
      const clients = target.get(MessagingClients, { strict: false });
      clients.get(name);
      clientName = name;
      useProxy = (proxy) => clients.useProxy(name, proxy);
    }
    const override = new ClientOverride(this.network, clientName, useProxy, (o) => this.overrides.delete(o));
    this.overrides.add(override);
    return override;
  }

  /**
   * Injects faults into the messages of a contract or a pattern (every
   * message when omitted); narrow the scope by client, endpoint or kind on the
   * builder (see {@link FaultBuilder}).
   * @example
   * harness.fault(GetUser).failNext(2, MessagingErrorCode.UNAVAILABLE);
   * harness.fault({ cmd: 'get_user' }).fromClient('users').delay(500);
   * harness.fault().toEndpoint('users').disconnectNext();
   */
  fault(target?: MessageTarget): FaultBuilder {
    return new FaultBuilder(this.network.faults, target === undefined ? {} : { pattern: target });
  }

  /** The requests clients sent, oldest first (of a contract or pattern, or all). */
  sent<C extends MessageTarget>(target?: C, where?: (message: RecordsOf<C>) => boolean): RecordsOf<C>[] {
    return this.query('sent', target, where);
  }

  /** The requests servers received (including stubs'), oldest first. */
  received<C extends MessageTarget>(target?: C, where?: (message: RecordsOf<C>) => boolean): RecordsOf<C>[] {
    return this.query('received', target, where);
  }

  /** The events clients emitted, oldest first. */
  emitted<C extends MessageTarget>(target?: C, where?: (message: RecordsOf<C>) => boolean): RecordsOf<C>[] {
    return this.query('emitted', target, where);
  }

  /** The events servers consumed (including stubs'), oldest first. */
  consumed<C extends MessageTarget>(target?: C, where?: (message: RecordsOf<C>) => boolean): RecordsOf<C>[] {
    return this.query('consumed', target, where);
  }

  /**
   * Resolves with the first `kind` message for `target` recorded (already, or
   * within `timeout` real milliseconds) and settled.
   * @throws Error (the promise rejects) when none comes in time, listing what was recorded.
   * @example
   * await harness.waitFor('consumed', UserCreated, { where: (m) => m.payload.id === 42 });
   */
  waitFor<C extends MessageTarget>(kind: RecordKind, target: C | undefined, options?: WaitOptionsOf<C>): Promise<RecordsOf<C>> {
    return this.network.recorder.waitFor(kind, target, (options ?? {}) as WaitForOptions) as Promise<RecordsOf<C>>;
  }

  /** Forgets the recorded messages, removes the faults and restores the overrides: the harness as new (its servers keep listening). */
  reset(): void {
    this.network.recorder.clear();
    this.network.faults.clear();
    // Last first: an override of an overridden client puts back the override it replaced.
    for (const override of [...this.overrides].reverse()) override.restore();
  }

  /** {@link reset}, and closes the in-memory clients the harness made. Close the applications yourself. */
  close(): void {
    this.reset();
    for (const proxy of this.made) proxy.close();
    this.made.clear();
  }

  private query<C extends MessageTarget>(kind: RecordKind, target: C | undefined, where: ((m: RecordsOf<C>) => boolean) | undefined): RecordsOf<C>[] {
    return this.network.recorder.query(kind, target, where as ((m: RecordedMessage) => boolean) | undefined) as RecordsOf<C>[];
  }
}

/** The wait options of a target's records (their `where` sees the target's payload and response types). */
type WaitOptionsOf<C> = RecordsOf<C> extends RecordedMessage<infer P, infer R> ? WaitForOptions<P, R> : WaitForOptions;
