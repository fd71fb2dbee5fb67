import type { ClientProxy } from '@nestjs/microservices';
import { AsyncSubject, concatMap, defer, from, lastValueFrom, Observable, type Observer, type Subscription } from 'rxjs';
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
import { MessagingErrorCode } from '../errors/error-codes';
import {
  describePattern,
  MessagingClientClosedError,
  MessagingError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
  type MessagePattern,
  type MessagingErrorFields,
} from '../errors/messaging.errors';
import { getMessageContext } from '../metadata/message-context';
import {
  assertValidAppMetadata,
  encodeMetadata,
  newId,
  type AppMetadata,
} from '../metadata/message-metadata';
import { backoffDelay, DEFAULT_CALL_POLICY, mergePolicy, type CallPolicy, type ResolvedPolicy, type RetryEvent } from './call-policy';
import { classifyError } from './classify-error';
import { OutgoingMessage } from './outgoing-message';
// resilience (issue 7): circuit breaker, bulkhead, retry budget, payload size
import { ClientResilience, type AttemptRecorder } from '../resilience/client-resilience';
import type { BulkheadTicket } from '../resilience/bulkhead';
import { checkPayloadSize } from '../resilience/payload-size';
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

/** How a MessagingClient is set up. @internal (built by MessagingModule or {@link MessagingClient.wrap}) */
export interface MessagingClientConfig {
  /** Name of the client, in errors and logs. */
  readonly name: string;
  /** The client's policy (module default and client overrides merged). */
  readonly policy: ResolvedPolicy;
  /** Whether `close()` also closes the ClientProxy (true when the library built it). */
  readonly ownsProxy: boolean;
  /** Circuit breaker, bulkhead and retry budget of the client, when configured. */
  readonly resilience?: ClientResilience;
}

interface Call {
  readonly pattern: MessagePattern;
  readonly data: unknown;
  readonly policy: ResolvedPolicy;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  readonly app: AppMetadata;
  readonly payloadVersion: number | undefined;
  readonly event: boolean;
  readonly contract: AnyContract | undefined;
  /** Deadline of the context the call was made in (performance.now() clock). */
  readonly deadline: number | undefined;
}

const now = () => performance.now();

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
  private readonly pending = new Set<() => void>();
  private closed = false;

  constructor(
    /** The Nest client underneath. Calls made on it directly carry no metadata. */
    readonly proxy: ClientProxy,
    private readonly config: MessagingClientConfig,
  ) {}

  /**
   * Wraps a ClientProxy made elsewhere (e.g. by ClientsModule). For metadata to
   * reach the wire, that proxy must use {@link MessagingClientSerializer};
   * without it, calls still work and peers get the bare payload.
   * `close()` then fails pending calls but leaves the proxy to its owner.
   */
  static wrap(proxy: ClientProxy, name: string, policy?: CallPolicy, resilience?: ClientResilienceOptions): MessagingClient {
    return new MessagingClient(proxy, {
      name,
      policy: mergePolicy(DEFAULT_CALL_POLICY, policy),
      ownsProxy: false,
      resilience: resilience ? new ClientResilience(resilience) : undefined,
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
  send<C extends MessageContract, N extends VersionsOf<C> = CurrentOf<C>>(
    contract: C,
    payload: NoInfer<PayloadOf<C, N>>,
    options?: ContractCallOptions<N>,
  ): Observable<ResponseOf<C>>;
  send<TResult = unknown, TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Observable<TResult>;
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
  request<C extends MessageContract, N extends VersionsOf<C> = CurrentOf<C>>(
    contract: C,
    payload: NoInfer<PayloadOf<C, N>>,
    options?: ContractCallOptions<N>,
  ): Promise<ResponseOf<C>>;
  request<TResult = unknown, TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Promise<TResult>;
  request(target: MessagePattern | MessageContract, data: unknown, options?: CallOptions | ContractCallOptions): Promise<unknown> {
    return lastValueFrom(this.send(target as MessagePattern, data, options as CallOptions), { defaultValue: undefined });
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
  emit<C extends EventContract, N extends VersionsOf<C> = CurrentOf<C>>(
    contract: C,
    payload: NoInfer<PayloadOf<C, N>>,
    options?: ContractCallOptions<N>,
  ): Observable<void>;
  emit<TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Observable<void>;
  emit(target: MessagePattern | EventContract, data: unknown, options?: CallOptions | ContractCallOptions): Observable<void> {
    const call = this.prepare(target, data, options, true);
    const result = new AsyncSubject<void>();
    if (call.contract && call.policy.validatePayloads) {
      this.withContractChecks(call, new Observable<unknown>((s) => this.run(call, s))).subscribe(result as Observer<unknown>);
    } else {
      this.run(call, result);
    }
    return result.asObservable();
  }

  /**
   * Fails every pending call with MessagingClientClosedError, refuses new ones,
   * and closes the ClientProxy if the library built it. Called on application
   * shutdown for the module's clients.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.pending]) cancel();
    if (this.config.ownsProxy) await this.proxy.close();
  }

  /** Connects the ClientProxy now instead of on the first call. */
  async connect(): Promise<void> {
    await this.proxy.connect();
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
        ? source.pipe(concatMap((reply) => from(toDto(response, reply, version, { unknownProperties: 'strip' }, fields))))
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
    const ctx = getMessageContext();
    let app: AppMetadata = ctx?.app ?? EMPTY;
    if (options?.metadata) {
      assertValidAppMetadata(options.metadata);
      app = { ...app, ...options.metadata };
    }
    return {
      pattern,
      data,
      policy: options ? mergePolicy(this.config.policy, options) : this.config.policy,
      correlationId: ctx?.correlationId ?? newId(),
      causationId: ctx?.message?.messageId,
      app,
      payloadVersion,
      event,
      contract,
      deadline: event ? undefined : ctx?.deadline,
    };
  }

  /** Runs one message: attempts, retries, budget. Returns the teardown. */
  private run(call: Call, out: Observer<never> | Observer<unknown>): () => void {
    const observer = out as Observer<unknown>;
    const { policy, pattern } = call;
    const messageId = newId();
    const fields: MessagingErrorFields = {
      pattern,
      client: this.config.name,
      correlationId: call.correlationId,
      messageId,
    };
    if (this.closed) {
      observer.error(new MessagingClientClosedError(fields));
      return noop;
    }
    if (call.data === undefined || call.data === null) {
      observer.error(
        new MessagingError(
          `${describePattern(pattern)}: the payload is ${String(call.data)}; send {} for a message without arguments`,
          MessagingErrorCode.INVALID_ARGUMENT,
          false,
          fields,
        ),
      );
      return noop;
    }
    // resilience: payload size limit
    const tooLarge = checkPayloadSize(call.data, policy.maxPayloadSize, 'client', fields);
    if (tooLarge) {
      observer.error(tooLarge);
      return noop;
    }

    const started = now();
    // The call's budget: its own timeout, cut to what is left of the deadline it inherited.
    let budget = policy.timeout;
    let inherited = false;
    if (call.deadline !== undefined) {
      const left = Math.floor(call.deadline - started);
      if (budget === false || left < budget) {
        budget = left;
        inherited = true;
      }
    }
    if (budget !== false && budget <= 0) {
      observer.error(new MessagingTimeoutError(0, 0, 0, [], fields, false, true));
      return noop;
    }
    const attemptErrors: MessagingError[] = [];
    let attempt = 0;
    let emitted = false;
    let done = false;
    let inner: Subscription | undefined;
    let attemptTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let budgetTimer: NodeJS.Timeout | undefined;
    // resilience: the bulkhead slot of the call, and the breaker/budget recorder of the current attempt
    let ticket: BulkheadTicket | undefined = undefined;
    let record: AttemptRecorder | undefined;

    const teardown = () => {
      done = true;
      record?.('cancelled');
      ticket?.leave();
      if (budgetTimer) clearTimeout(budgetTimer);
      if (attemptTimer) clearTimeout(attemptTimer);
      if (retryTimer) clearTimeout(retryTimer);
      inner?.unsubscribe();
      this.pending.delete(cancel);
    };
    const fail = (err: MessagingError) => {
      if (done) return;
      record?.(err);
      teardown();
      observer.error(err);
    };
    const cancel = () => fail(new MessagingClientClosedError(fields));
    const elapsed = () => Math.round(now() - started);

    const onAttemptError = (err: MessagingError) => {
      if (done) return;
      if (attemptTimer) clearTimeout(attemptTimer);
      attemptErrors.push(err);
      record?.(err);
      record = undefined;
      const retry =
        err.retryable && policy.idempotent && !emitted && attempt < policy.maxAttempts && !this.closed &&
        (this.config.resilience?.canRetry() ?? true);
      const event: RetryEvent = {
        client: this.config.name,
        pattern,
        messageId,
        correlationId: call.correlationId,
        attempt,
        error: err,
      };
      if (retry) {
        const delay = backoffDelay(attempt, policy);
        safely(policy.onRetry, { ...event, delay });
        inner?.unsubscribe();
        retryTimer = setTimeout(startAttempt, delay);
        return;
      }
      if (attempt > 1) safely(policy.onGiveUp, event);
      fail(attempt > 1 && err.retryable ? new MessagingRetriesExhaustedError(attemptErrors, fields) : err);
    };

    const startAttempt = () => {
      retryTimer = undefined;
      if (this.config.resilience) {
        // resilience: the circuit admits the attempt or the call fails fast
        const entered = this.config.resilience.beginAttempt(pattern, fields);
        if (typeof entered !== 'function') return onAttemptError(entered);
        record = entered;
      }
      const number = ++attempt;
      let timeoutMs: number | undefined;
      if (!call.event && (budget !== false || policy.attemptTimeout !== false)) {
        const left = budget === false ? Infinity : started + budget - now();
        timeoutMs = Math.max(0, Math.floor(Math.min(left, policy.attemptTimeout === false ? Infinity : policy.attemptTimeout)));
      }
      const metadata = encodeMetadata({
        messageId,
        correlationId: call.correlationId,
        causationId: call.causationId,
        sentAt: Date.now(),
        attempt: number,
        payloadVersion: call.payloadVersion,
        timeoutMs,
        app: call.app,
      });
      const message = new OutgoingMessage(call.data, metadata);
      let source: Observable<unknown>;
      try {
        source = call.event ? this.proxy.emit(pattern, message) : this.proxy.send(pattern, message);
      } catch (err) {
        onAttemptError(classifyError(err, fields));
        return;
      }
      if (policy.attemptTimeout !== false) {
        const budget = policy.attemptTimeout;
        attemptTimer = setTimeout(() => {
          if (attempt !== number) return;
          inner?.unsubscribe();
          onAttemptError(new MessagingTimeoutError(budget, elapsed(), number, [], fields, true));
        }, budget);
      }
      inner = source.subscribe({
        next: (value) => {
          if (done || attempt !== number) return;
          if (call.event) return;
          emitted = true;
          observer.next(value);
        },
        error: (err: unknown) => {
          if (attempt === number) onAttemptError(classifyError(err, fields));
        },
        complete: () => {
          if (done || attempt !== number) return;
          record?.(undefined);
          teardown();
          if (call.event) observer.next(undefined);
          observer.complete();
        },
      });
    };

    if (budget !== false) {
      const total = budget;
      budgetTimer = setTimeout(
        () => fail(new MessagingTimeoutError(total, elapsed(), attempt, attemptErrors.slice(), fields, false, inherited)),
        total,
      );
    }
    this.pending.add(cancel);
    if (!this.config.resilience) {
      startAttempt();
      return teardown;
    }
    // resilience: the bulkhead runs the first attempt now, or queues it, or refuses the call
    const admitted = this.config.resilience.admit(() => {
      if (!done) startAttempt();
    }, fields);
    if (admitted instanceof MessagingError) {
      fail(admitted);
      return noop;
    }
    ticket = admitted;
    if (done) ticket.leave();
    return teardown;
  }
}

const EMPTY: AppMetadata = Object.freeze({});
const noop = () => undefined;

function safely(hook: ((e: RetryEvent) => void) | undefined, event: RetryEvent): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    // a hook must not break the call
  }
}
