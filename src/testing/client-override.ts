import type { MessageHandler } from '@nestjs/microservices';
import { defer, from, isObservable, of, throwError, type Observable } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { currentInbound } from '../context/message-context';
import {
  isContract,
  type DecodedPayloadOf,
  type EventContract,
  type MessageContract,
  type ResponseOf,
} from '../contract/message-contract';
import type { MessagePattern } from '../errors/messaging.errors';
import { toWireError } from '../errors/wire-error';
import { HANDLER_CONFIG, type HandlerConfig } from '../handler/handler-config';
import { decodeMetadata, type MessageMetadata } from '../wire/message-metadata';
import { ClientInMemory } from './in-memory-client';
import type { InMemoryNetwork } from './in-memory-network';
import { MessagingServerInMemory } from './in-memory-server';
import { describeTarget, routeOf, type MessageTarget } from './message-target';

/** What a stub may return: the response itself, a promise of it, or an Observable of replies. */
export type StubResult<R> = R | Promise<R> | Observable<R>;

/** A stub of a request: receives the decoded payload (upcast to the contract's current version) and the metadata. */
export type RequestStub<P, R> = (payload: P, metadata: MessageMetadata) => StubResult<R>;

/** A stub of an event. */
export type EventStub<P> = (payload: P, metadata: MessageMetadata) => void | Promise<void>;

/** What {@link ClientOverride.stub} takes for a plain pattern. */
export interface PatternStubOptions {
  /**
   * The pattern is an event's (emitted, not sent).
   * @default false
   */
  event?: boolean;
}

let overrides = 0;

/**
 * A named client of an application, pointed at the in-memory transport until
 * {@link restore}: its calls go to stubs written in the test (typed by their
 * contracts), and the patterns no stub serves to another in-memory
 * application ({@link routeTo}), or fail UNIMPLEMENTED as at a server without
 * that handler. Stubs run behind a real in-memory server: the call keeps the
 * library's whole behaviour (metadata, budget, the contract's validation and
 * upcasting of the payload, the error model, retries), and is recorded.
 * Made by `MessagingTestHarness.override(app, name)`.
 *
 * @example
 * harness.override(app, 'users')
 *   .stub(GetUser, (dto) => ({ id: dto.id, name: 'Ada' }))
 *   .routeTo('users-service');
 */
export class ClientOverride {
  /** The in-memory client the overridden MessagingClient sends through now. */
  readonly proxy: ClientInMemory;
  private readonly stubs: MessagingServerInMemory;
  private target: string | undefined;
  private restored = false;

  /** @internal (made by the harness) */
  constructor(
    network: InMemoryNetwork,
    /** The name of the overridden client. */
    readonly name: string,
    private readonly useProxy: (proxy: ClientInMemory) => () => void,
    private readonly onRestore: (override: ClientOverride) => void,
  ) {
    const endpoint = `${name}#stubs-${++overrides}`;
    this.stubs = new MessagingServerInMemory(network, endpoint);
    this.stubs.listen(() => undefined);
    this.proxy = new ClientInMemory(network, endpoint, { client: name }, (route) =>
      this.stubs.getHandlers().has(route) || this.target === undefined ? endpoint : this.target,
    );
    this.putBack = this.useProxy(this.proxy);
  }

  private readonly putBack: () => void;

  /**
   * Serves the requests of a message contract with `handler`, whose return type
   * is the contract's response (a stub for `GetUser` must return a `UserDto`).
   * Replaces an earlier stub of the same pattern.
   */
  stub<C extends MessageContract>(contract: C, handler: RequestStub<DecodedPayloadOf<C>, ResponseOf<C>>): this;
  /** Handles the events of an event contract with `handler`. */
  stub<C extends EventContract>(contract: C, handler: EventStub<DecodedPayloadOf<C>>): this;
  /** Serves a plain pattern (requests, or events with `{ event: true }`); the payload arrives as it was sent. */
  stub<TResult = unknown, TPayload = unknown>(
    pattern: MessagePattern,
    handler: RequestStub<TPayload, TResult>,
    options?: PatternStubOptions,
  ): this;
  stub(target: MessageTarget, handler: RequestStub<never, unknown>, options: PatternStubOptions = {}): this {
    this.ensureActive();
    const contract = isContract(target) ? target : undefined;
    const isEvent = contract ? contract.kind === 'event' : options.event === true;
    const route = routeOf(target);
    const config: HandlerConfig = Object.freeze({
      kind: isEvent ? 'event' : 'request',
      contract,
      options: Object.freeze({}),
      name: `stub of ${describeTarget(target)} on client '${this.name}'`,
    });
    this.stubs.getHandlers().delete(route);
    const pattern = contract ? contract.pattern : (target as MessagePattern);
    this.stubs.addHandler(pattern, stubHandler(route, handler as RequestStub<unknown, unknown>), isEvent, { [HANDLER_CONFIG]: config });
    return this;
  }

  /** Removes the stub of a pattern: its messages go to {@link routeTo}'s endpoint again (or fail UNIMPLEMENTED). */
  unstub(target: MessageTarget): this {
    this.stubs.getHandlers().delete(routeOf(target));
    return this;
  }

  /**
   * Sends the messages no stub serves to the in-memory server listening on
   * `endpoint` (another application of the test, started with
   * `harness.microservice(endpoint)`).
   */
  routeTo(endpoint: string): this {
    this.ensureActive();
    this.target = endpoint;
    return this;
  }

  /**
   * Puts the client's own proxy back and closes the stubs: calls still in
   * flight through the override fail as on a closed connection (UNAVAILABLE).
   * Idempotent; `harness.reset()` and `harness.close()` restore every override.
   */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    this.putBack();
    this.proxy.close();
    void this.stubs.close();
    this.onRestore(this);
  }

  private ensureActive(): void {
    if (this.restored) throw new Error(`the override of client '${this.name}' was restored: override it again`);
  }
}

/**
 * The handler registered for a stub, as Nest would build one: it runs in the
 * message's context (the pipeline decoded the payload already) and maps what
 * the stub throws to the library's wire error, as `@MessageHandler`'s filter does.
 */
function stubHandler(route: string, stub: RequestStub<unknown, unknown>): MessageHandler {
  return async (data: unknown) => {
    const metadata = currentInbound()?.message ?? decodeMetadata(undefined);
    return defer(() => {
      const result = stub(data, metadata);
      return isObservable(result) ? result : result instanceof Promise ? from(result) : of(result);
    }).pipe(
      catchError((err: unknown) =>
        throwError(() => toWireError(err, { pattern: route, correlationId: metadata.correlationId, exposeErrors: false }).payload),
      ),
    );
  };
}
