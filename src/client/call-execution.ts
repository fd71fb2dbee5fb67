import type { Observer, Subscribable, Unsubscribable } from 'rxjs';
import type { AnyContract } from '../contract/message-contract';
import { MessagingErrorCode } from '../errors/error-codes';
import {
  describePattern,
  MessagingClientClosedError,
  MessagingError,
  MessagingRemoteError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
  type CallTimelineEntry,
  type MessagePattern,
  type MessagingErrorFields,
} from '../errors/messaging.errors';
import type { CallObserver, MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { startCall } from '../instrumentation/observers';
import { encodeMetadata, newId, type AppMetadata, type WireMetadata } from '../wire/message-metadata';
import { backoffDelay, type ResolvedPolicy, type RetryEvent } from './call-policy';
import type { BulkheadTicket } from '../resilience/bulkhead';
import type { AttemptRecorder, ClientResilience } from '../resilience/client-resilience';
import { checkPayloadSize } from '../wire/payload-size';
import type { ConnectionWatchdog } from './connection-watchdog';

/** One call as `send()`/`emit()` captured it (ids and context read at call time). @internal */
export interface Call {
  readonly pattern: MessagePattern;
  readonly data: unknown;
  readonly policy: ResolvedPolicy;
  /** The context's correlation id; `undefined` starts a conversation (the message's own id is its correlation id). */
  readonly correlationId: string | undefined;
  readonly causationId: string | undefined;
  readonly app: AppMetadata;
  readonly payloadVersion: number | undefined;
  readonly event: boolean;
  readonly contract: AnyContract | undefined;
  /** Deadline of the context the call was made in (performance.now() clock). */
  readonly deadline: number | undefined;
}

/**
 * What an attempt's source reports with `error()` when the transport's own
 * deadline for the attempt (the `timeoutMs` it was given: gRPC's native
 * deadline) passed: the execution then ends the attempt as its own timer would.
 * @internal
 */
export const ATTEMPT_DEADLINE_PASSED = Symbol('nestjs-messaging:attempt-deadline-passed');

/** What an execution needs from its client (a MessagingClient, a gRPC method of a MessagingGrpcClient). @internal */
export interface ExecutionHost {
  readonly name: string;
  /**
   * Sends one attempt: `metadata` is the attempt's wire metadata, `timeoutMs`
   * what is left for it (of the call's budget or of `attemptTimeout`) for
   * transports with a native deadline. Its values, completion or error are
   * the attempt's outcome; unsubscribing abandons it.
   */
  dispatch(call: Call, metadata: WireMetadata, timeoutMs: number | undefined): Subscribable<unknown>;
  /** What an attempt failed with, as a MessagingError. */
  classify(err: unknown, fields: MessagingErrorFields): MessagingError;
  readonly system: string;
  readonly instruments: readonly MessagingInstrumentation[] | undefined;
  readonly pending: Set<CallExecution>;
  /** Circuit breaker, bulkhead and retry budget, when configured. */
  readonly resilience: ClientResilience | undefined;
  /** TCP: replaces a connection on which calls keep timing out with nothing received. */
  readonly watchdog: ConnectionWatchdog | undefined;
  isClosed(): boolean;
}

const now = () => performance.now();

/**
 * One message on its way: its attempts, retries, time budget, and the typed
 * error that ends it when it fails. A class rather than closures: the hot path
 * (a call that succeeds at once) allocates this object, the metadata map, the
 * envelope and one attempt observer, and nothing else.
 * @internal
 */
export class CallExecution implements Unsubscribable, Observer<unknown> {
  private readonly messageId = newId();
  private readonly correlationId: string;
  private readonly started = now();
  private budget: number | false;
  private inherited = false;
  private attempt = 0;
  private emitted = false;
  private done = false;
  private inner: Unsubscribable | undefined;
  /** Whether the current attempt's limit is `attemptTimeout` (rather than what is left of the call's budget). */
  private attemptLimited = false;
  private attemptTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private budgetTimer: NodeJS.Timeout | undefined;
  private attemptErrors: MessagingError[] | undefined;
  /** Only failing calls pay for a timeline: it starts with the first failure. */
  private timeline: CallTimelineEntry[] | undefined;
  private instrumented: CallObserver | undefined;
  private errorFields: MessagingErrorFields | undefined;
  // resilience: the call's bulkhead slot, and the breaker/budget recorder of the current attempt
  private ticket: BulkheadTicket | undefined;
  /** TCP: bytes the connection had received when the current attempt was sent (for the watchdog). */
  private receivedAtSend = -1;
  private record: AttemptRecorder | undefined;

  constructor(
    private readonly host: ExecutionHost,
    private readonly call: Call,
    private readonly observer: Observer<unknown>,
  ) {
    this.correlationId = call.correlationId ?? this.messageId;
    // The call's budget: its own timeout, cut to what is left of the deadline it inherited.
    this.budget = call.policy.timeout;
    if (call.deadline !== undefined) {
      const left = Math.floor(call.deadline - this.started);
      if (this.budget === false || left < this.budget) {
        this.budget = left;
        this.inherited = true;
      }
    }
  }

  /** The fields of every error of this call. */
  private get fields(): MessagingErrorFields {
    return (this.errorFields ??= {
      pattern: this.call.pattern,
      client: this.host.name,
      correlationId: this.correlationId,
      messageId: this.messageId,
    });
  }

  /** Starts the call; the returned object stops it (the Observable's teardown). */
  start(): Unsubscribable {
    const { call, host } = this;
    if (host.isClosed()) return this.refuse(new MessagingClientClosedError(this.fields));
    if (call.data === undefined || call.data === null) {
      return this.refuse(
        new MessagingError(
          `${describePattern(call.pattern)}: the payload is ${String(call.data)}; send {} for a message without arguments`,
          MessagingErrorCode.INVALID_ARGUMENT,
          false,
          this.fields,
        ),
      );
    }
    const tooLarge = checkPayloadSize(call.data, call.policy.maxPayloadSize, 'client', this.fields);
    if (tooLarge) return this.refuse(tooLarge);
    if (this.budget !== false && this.budget <= 0) {
      return this.refuse(new MessagingTimeoutError(0, 0, 0, [], this.fields, false, true));
    }
    if (host.instruments) {
      this.instrumented = startCall(host.instruments, {
        kind: call.event ? 'event' : 'request',
        client: host.name,
        system: host.system,
        pattern: call.pattern,
        destination: describePattern(call.pattern),
        messageId: this.messageId,
        correlationId: this.correlationId,
        budget: this.budget,
      });
    }
    if (this.budget !== false) this.budgetTimer = setTimeout(onBudgetSpent, this.budget, this);
    host.pending.add(this);
    if (!host.resilience) {
      this.startAttempt();
      return this;
    }
    // resilience: the bulkhead runs the first attempt now, queues it, or refuses the call
    const admitted = host.resilience.admit(() => {
      if (!this.done) this.startAttempt();
    }, this.fields);
    if (admitted instanceof MessagingError) {
      this.fail(admitted);
      return this;
    }
    this.ticket = admitted;
    if (this.done) admitted.leave();
    return this;
  }

  /** The subscriber went away, or the call ended: release everything. */
  unsubscribe(): void {
    if (this.done) return;
    if (this.emitted) {
      // The caller took a reply and left (`firstValueFrom`, `take(1)`): the call succeeded, for every observer.
      this.record?.(undefined);
      this.release();
      this.instrumented?.end();
      return;
    }
    this.record?.('cancelled');
    this.release();
    this.instrumented?.cancel?.();
  }

  /** Ends the call's bookkeeping: bulkhead slot, timers, the attempt's subscription, the pending set. */
  private release(): void {
    this.done = true;
    this.ticket?.leave();
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.inner?.unsubscribe();
    this.host.pending.delete(this);
  }

  /** The client closed while the call was pending. */
  cancel(): void {
    this.note({ event: 'closed', attempt: this.attempt });
    this.fail(new MessagingClientClosedError(this.fields));
  }

  private refuse(err: MessagingError): Unsubscribable {
    this.done = true;
    this.observer.error(err);
    return this;
  }

  private elapsed(): number {
    return Math.round(now() - this.started);
  }

  private note(entry: Omit<CallTimelineEntry, 'at'>): void {
    this.timeline ??= [
      { at: 0, event: 'attempt', attempt: 1, budgetLeft: this.budget === false ? undefined : this.budget },
    ];
    this.timeline.push({ at: this.elapsed(), ...entry });
  }

  private fail(err: MessagingError): void {
    if (this.done) return;
    this.record?.(err);
    this.release();
    if (this.timeline) Object.defineProperty(err, 'timeline', { value: this.timeline, enumerable: false });
    this.instrumented?.end(err);
    this.observer.error(err);
  }

  /** Whether the call's budget has run out (a millisecond early, for timers of different resolutions). */
  private budgetIsSpent(): boolean {
    return this.budget !== false && now() - this.started >= this.budget - 1;
  }

  /** @internal called by the budget timer */
  budgetSpent(): void {
    this.note({ event: 'timeout', attempt: this.attempt });
    if (this.attempt > 0 && !this.call.event) this.host.watchdog?.timedOut(this.receivedAtSend);
    const budget = this.budget as number;
    this.fail(
      new MessagingTimeoutError(
        budget,
        this.elapsed(),
        this.attempt,
        this.attemptErrors?.slice() ?? [],
        this.fields,
        false,
        this.inherited,
      ),
    );
  }

  /** @internal called by the attempt timer */
  attemptTimedOut(number: number): void {
    if (this.attempt !== number) return;
    this.inner?.unsubscribe();
    this.host.watchdog?.timedOut(this.receivedAtSend);
    const limit = this.call.policy.attemptTimeout as number;
    this.attemptFailed(new MessagingTimeoutError(limit, this.elapsed(), number, [], this.fields, true));
  }

  /** @internal */
  startAttempt(): void {
    this.retryTimer = undefined;
    const { call, host } = this;
    const closing = host.watchdog?.closing;
    if (closing) {
      // The watchdog is replacing the connection: go out on the new one.
      closing.then(() => {
        if (!this.done) this.startAttempt();
      });
      return;
    }
    const { policy } = call;
    if (host.resilience) {
      // resilience: the circuit admits the attempt, or the call fails fast
      const entered = host.resilience.beginAttempt(call.pattern, this.fields);
      if (typeof entered !== 'function') return this.attemptFailed(entered);
      this.record = entered;
    }
    const number = ++this.attempt;
    const budgetLeft = this.budget === false ? undefined : this.started + this.budget - now();
    if (number > 1) this.note({ event: 'attempt', attempt: number, budgetLeft: Math.floor(budgetLeft ?? 0) });
    this.instrumented?.attempt?.(number, budgetLeft);
    let timeoutMs: number | undefined;
    if (!call.event && (budgetLeft !== undefined || policy.attemptTimeout !== false)) {
      const limit = policy.attemptTimeout === false ? Infinity : policy.attemptTimeout;
      this.attemptLimited = limit < (budgetLeft ?? Infinity);
      timeoutMs = Math.max(0, Math.floor(Math.min(budgetLeft ?? Infinity, limit)));
    }
    const metadata = encodeMetadata({
      messageId: this.messageId,
      correlationId: this.correlationId,
      causationId: call.causationId,
      sentAt: Date.now(),
      attempt: number,
      payloadVersion: call.payloadVersion,
      timeoutMs,
      app: call.app,
    });
    if (this.instrumented?.headers) Object.assign(metadata, this.instrumented.headers);
    let source: Subscribable<unknown>;
    try {
      source = host.dispatch(call, metadata, timeoutMs);
    } catch (err) {
      this.attemptFailed(host.classify(err, this.fields));
      return;
    }
    if (policy.attemptTimeout !== false) this.attemptTimer = setTimeout(onAttemptTimeout, policy.attemptTimeout, this, number);
    // What the connection had received when this attempt left: a timeout with nothing received since is a silent one.
    if (host.watchdog && !call.event) this.receivedAtSend = host.watchdog.received();
    // The execution observes its current attempt itself (the previous one was unsubscribed before a retry).
    this.inner = source.subscribe(this);
  }

  /** @internal a value of the current attempt */
  next(value: unknown): void {
    if (this.done || this.call.event) return;
    this.emitted = true;
    this.observer.next(value);
  }

  /** @internal the current attempt completed */
  complete(): void {
    if (this.done) return;
    this.record?.(undefined);
    this.release();
    this.instrumented?.end();
    if (this.call.event) this.observer.next(undefined);
    this.observer.complete();
  }

  /** @internal the current attempt failed */
  error(err: unknown): void {
    if (this.done) return;
    if (err !== ATTEMPT_DEADLINE_PASSED) {
      const failure = this.host.classify(err, this.fields);
      // The peer ended the request at its deadline, which is this call's own (it counts from the read, later
      // than ours): the budget ran out, whichever side's timer noticed first.
      if (failure.code === MessagingErrorCode.DEADLINE_EXCEEDED && failure instanceof MessagingRemoteError && this.budgetIsSpent()) {
        return this.budgetSpent();
      }
      return this.attemptFailed(failure);
    }
    // The transport enforced the attempt's deadline: the same outcome as our own timer's.
    if (this.attemptLimited) this.attemptTimedOut(this.attempt);
    else this.budgetSpent();
  }

  private attemptFailed(err: MessagingError): void {
    if (this.done) return;
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    const { policy } = this.call;
    const attempt = this.attempt;
    (this.attemptErrors ??= []).push(err);
    this.record?.(err);
    this.record = undefined;
    this.note({ event: 'failed', attempt, code: err.code });
    const retry =
      err.retryable &&
      policy.idempotent &&
      !this.emitted &&
      attempt < policy.maxAttempts &&
      !this.host.isClosed() &&
      (this.host.resilience?.canRetry() ?? true);
    const event: RetryEvent = {
      client: this.host.name,
      pattern: this.call.pattern,
      messageId: this.messageId,
      correlationId: this.correlationId,
      attempt,
      error: err,
    };
    if (retry) {
      const delay = backoffDelay(attempt, policy);
      this.note({ event: 'backoff', attempt, delay });
      safely(policy.onRetry, { ...event, delay });
      this.instrumented?.retry?.(attempt, delay, err);
      this.inner?.unsubscribe();
      this.retryTimer = setTimeout(onRetryDue, delay, this);
      return;
    }
    if (attempt > 1) safely(policy.onGiveUp, event);
    this.fail(attempt > 1 && err.retryable ? new MessagingRetriesExhaustedError(this.attemptErrors!, this.fields) : err);
  }
}

// Timer callbacks at module level: setTimeout(fn, ms, execution) allocates no closure.
function onBudgetSpent(execution: CallExecution): void {
  execution.budgetSpent();
}

function onAttemptTimeout(execution: CallExecution, number: number): void {
  execution.attemptTimedOut(number);
}

function onRetryDue(execution: CallExecution): void {
  execution.startAttempt();
}

function safely(hook: ((e: RetryEvent) => void) | undefined, event: RetryEvent): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    // a hook must not break the call
  }
}
