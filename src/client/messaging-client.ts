import type { ClientProxy } from '@nestjs/microservices';
import { AsyncSubject, lastValueFrom, Observable, type Observer, type Subscription } from 'rxjs';
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
import { carrierFor, transportOfProxy, type Carrier } from '../transports/carriers';
import { classifyError } from './classify-error';

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

/** How a MessagingClient is set up. @internal (built by MessagingModule or {@link MessagingClient.wrap}) */
export interface MessagingClientConfig {
  /** Name of the client, in errors and logs. */
  readonly name: string;
  /** The client's policy (module default and client overrides merged). */
  readonly policy: ResolvedPolicy;
  /** Whether `close()` also closes the ClientProxy (true when the library built it). */
  readonly ownsProxy: boolean;
  /** How metadata rides on the proxy's transport (default: from the proxy's class). */
  readonly carrier?: Carrier;
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
  private readonly carrier: Carrier;

  constructor(
    /** The Nest client underneath. Calls made on it directly carry no metadata. */
    readonly proxy: ClientProxy,
    private readonly config: MessagingClientConfig,
  ) {
    this.carrier = config.carrier ?? carrierFor(transportOfProxy(proxy));
  }

  /**
   * Wraps a ClientProxy made elsewhere (e.g. by ClientsModule). For metadata to
   * reach the wire, that proxy must use {@link MessagingClientSerializer};
   * without it, calls still work and peers get the bare payload.
   * `close()` then fails pending calls but leaves the proxy to its owner.
   */
  static wrap(proxy: ClientProxy, name: string, policy?: CallPolicy): MessagingClient {
    return new MessagingClient(proxy, {
      name,
      policy: mergePolicy(DEFAULT_CALL_POLICY, policy),
      ownsProxy: false,
    });
  }

  /** Name of this client. */
  get name(): string {
    return this.config.name;
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
  send<TResult = unknown, TInput = unknown>(
    pattern: MessagePattern,
    data: TInput,
    options?: CallOptions,
  ): Observable<TResult> {
    const call = this.prepare(pattern, data, options, false);
    return new Observable<TResult>((subscriber) => this.run(call, subscriber));
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
  request<TResult = unknown, TInput = unknown>(
    pattern: MessagePattern,
    data: TInput,
    options?: CallOptions,
  ): Promise<TResult> {
    return lastValueFrom(this.send<TResult, TInput>(pattern, data, options), {
      defaultValue: undefined as TResult,
    });
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
  emit<TInput = unknown>(pattern: MessagePattern, data: TInput, options?: CallOptions): Observable<void> {
    const call = this.prepare(pattern, data, options, true);
    const result = new AsyncSubject<void>();
    this.run(call, result);
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

  private prepare(pattern: MessagePattern, data: unknown, options: CallOptions | undefined, event: boolean): Call {
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
      payloadVersion: options?.payloadVersion,
      event,
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

    const started = now();
    const attemptErrors: MessagingError[] = [];
    let attempt = 0;
    let emitted = false;
    let done = false;
    let inner: Subscription | undefined;
    let attemptTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let budgetTimer: NodeJS.Timeout | undefined;

    const teardown = () => {
      done = true;
      if (budgetTimer) clearTimeout(budgetTimer);
      if (attemptTimer) clearTimeout(attemptTimer);
      if (retryTimer) clearTimeout(retryTimer);
      inner?.unsubscribe();
      this.pending.delete(cancel);
    };
    const fail = (err: MessagingError) => {
      if (done) return;
      teardown();
      observer.error(err);
    };
    const cancel = () => fail(new MessagingClientClosedError(fields));
    const elapsed = () => Math.round(now() - started);

    const onAttemptError = (err: MessagingError) => {
      if (done) return;
      if (attemptTimer) clearTimeout(attemptTimer);
      attemptErrors.push(err);
      const retry =
        err.retryable && policy.idempotent && !emitted && attempt < policy.maxAttempts && !this.closed;
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
      const number = ++attempt;
      const metadata = encodeMetadata({
        messageId,
        correlationId: call.correlationId,
        causationId: call.causationId,
        sentAt: Date.now(),
        attempt: number,
        payloadVersion: call.payloadVersion,
        app: call.app,
      });
      const message = this.carrier.wrap(call.data, metadata);
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
          teardown();
          if (call.event) observer.next(undefined);
          observer.complete();
        },
      });
    };

    if (policy.timeout !== false) {
      const budget = policy.timeout;
      budgetTimer = setTimeout(
        () => fail(new MessagingTimeoutError(budget, elapsed(), attempt, attemptErrors.slice(), fields)),
        budget,
      );
    }
    this.pending.add(cancel);
    startAttempt();
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
