import { MessagingErrorCode } from '../errors/error-codes';
import type { WireError } from '../errors/wire-error';
import { routeOf, type MessageTarget } from './message-target';

/** Which messages a fault applies to; every field given must match (none: every message). See {@link FaultBuilder}'s narrowing methods. */
export interface FaultScope {
  /** Messages of this contract or pattern. */
  pattern?: MessageTarget;
  /** Messages sent by the in-memory client of this name (an overridden client keeps its own name). */
  client?: string;
  /** Messages sent to this in-memory endpoint (the name a server listens on). */
  endpoint?: string;
  /** Only requests, or only events. */
  kind?: 'request' | 'event';
}

/** What {@link FaultBuilder.failNext} takes besides the code. */
export interface FailOptions {
  /** The error's message. @default `injected fault: <code>` */
  message?: string;
  /** Whether the caller may retry. @default true for UNAVAILABLE and RESOURCE_EXHAUSTED, false otherwise */
  retryable?: boolean;
  /** The error's structured details. */
  details?: unknown;
}

/** One message on its way from a client to a server, as faults act on it. @internal */
export interface Transit {
  readonly kind: 'request' | 'event';
  readonly route: string;
  readonly client: string | undefined;
  readonly endpoint: string;
  readonly correlationId: string | undefined;
  /** Hands the message to its server now (again, for a duplicate). */
  deliver(): void;
  /** The message is lost on the way. */
  lose(reason: string): void;
  /** The peer answers with this error without reaching a handler (an event is recorded as refused). */
  answer(error: WireError): void;
  /** The connection breaks under the message: the caller gets a connection error. */
  disconnect(): void;
}

type Step = (transit: Transit, next: () => void) => void;

/**
 * One injected fault. It acts on the messages its scope selects until it is
 * spent (its count ran out) or removed.
 * @example
 * const fault = harness.fault(GetUser).failNext(2);
 * // ...
 * expect(fault.hits).toBe(2);
 * fault.remove();
 */
export class Fault {
  private hitCount = 0;
  private held: Array<() => void> = [];

  /** @internal */
  constructor(
    private readonly set: FaultSet,
    /** The messages it acts on. */
    readonly scope: Readonly<FaultScope>,
    private readonly route: string | undefined,
    private remaining: number,
    private readonly step: Step,
    private readonly batch: number,
  ) {}

  /** How many messages it acted on so far. */
  get hits(): number {
    return this.hitCount;
  }

  /** Whether it still acts on messages (not spent, not removed). */
  get active(): boolean {
    return this.remaining > 0;
  }

  /** Stops it; messages a `reorder` holds are delivered (in arrival order). */
  remove(): void {
    this.remaining = 0;
    this.set.remove(this);
    this.release();
  }

  /** `reorder` only: delivers the messages held so far, last first, without waiting for the batch to fill. */
  release(): void {
    const held = this.held.reverse();
    this.held = [];
    for (const deliver of held) deliver();
  }

  /** @internal the step to run for `transit`, when the fault selects it. */
  take(transit: Transit): Step | undefined {
    if (this.remaining <= 0 || !this.matches(transit)) return undefined;
    this.remaining--;
    this.hitCount++;
    if (this.batch === 0) return this.step;
    return (_, next) => {
      this.held.push(next);
      if (this.held.length >= this.batch || this.remaining <= 0) this.release();
    };
  }

  private matches(transit: Transit): boolean {
    const { scope } = this;
    return (
      (this.route === undefined || this.route === transit.route) &&
      (scope.client === undefined || scope.client === transit.client) &&
      (scope.endpoint === undefined || scope.endpoint === transit.endpoint) &&
      (scope.kind === undefined || scope.kind === transit.kind)
    );
  }
}

/** The faults of one harness, applied in the order they were added. @internal */
export class FaultSet {
  private faults: Fault[] = [];

  add(scope: FaultScope, count: number, step: Step, batch = 0): Fault {
    if (!(count > 0)) throw new RangeError(`a fault's count must be a positive number (or Infinity), got ${String(count)}`);
    const fault = new Fault(this, scope, scope.pattern === undefined ? undefined : routeOf(scope.pattern), count, step, batch);
    this.faults.push(fault);
    return fault;
  }

  remove(fault: Fault): void {
    this.faults = this.faults.filter((f) => f !== fault);
  }

  clear(): void {
    for (const fault of [...this.faults]) fault.remove();
  }

  /** Runs `transit` through the faults that select it, then delivers it (unless one of them stops it). */
  apply(transit: Transit): void {
    const steps: Step[] = [];
    for (const fault of this.faults) {
      const step = fault.take(transit);
      if (step) steps.push(step);
    }
    const run = (i: number): void => (i === steps.length ? transit.deliver() : steps[i]!(transit, () => run(i + 1)));
    run(0);
  }
}

/**
 * Adds faults for the messages of one scope (`MessagingTestHarness.fault`):
 * narrow it with {@link fromClient}, {@link toEndpoint} and {@link ofKind}, then
 * add a fault with one of the other methods, which returns it (`remove()`
 * stops it). Faults act between a client and a server, before the server
 * reads the message.
 * @example
 * harness.fault(GetUser).failNext(2, MessagingErrorCode.UNAVAILABLE);
 * harness.fault().fromClient('users').delay(500);
 */
export class FaultBuilder {
  /** @internal */
  constructor(
    private readonly set: FaultSet,
    /** The messages the faults added here act on. */
    readonly scope: Readonly<FaultScope>,
  ) {}

  /** Only the messages sent by the in-memory client of this name (an overridden client keeps its own name). */
  fromClient(client: string): FaultBuilder {
    return new FaultBuilder(this.set, { ...this.scope, client });
  }

  /** Only the messages sent to this in-memory endpoint (the name a server listens on). */
  toEndpoint(endpoint: string): FaultBuilder {
    return new FaultBuilder(this.set, { ...this.scope, endpoint });
  }

  /** Only requests, or only events. */
  ofKind(kind: 'request' | 'event'): FaultBuilder {
    return new FaultBuilder(this.set, { ...this.scope, kind });
  }

  /**
   * Delivers each selected message `ms` milliseconds late (a `setTimeout`:
   * fake timers drive it). The caller's budget keeps running meanwhile.
   * @param times how many messages to delay. @default Infinity
   */
  delay(ms: number, times = Infinity): Fault {
    return this.set.add(this.scope, times, (_, next) => void setTimeout(next, ms));
  }

  /**
   * The next `count` selected requests are answered with a `code` error as if
   * the server had sent it, without reaching a handler: the caller gets a
   * `MessagingRemoteError` with that code (retried when retryable and the call
   * is idempotent). A selected event is not delivered, and is recorded as
   * refused with that error. For a broken connection, see {@link disconnectNext}.
   * @default code UNAVAILABLE
   * @example
   * harness.fault(GetUser).failNext(2, MessagingErrorCode.UNAVAILABLE);
   */
  failNext(count: number, code: MessagingErrorCode = MessagingErrorCode.UNAVAILABLE, options: FailOptions = {}): Fault {
    const retryable = options.retryable ?? (code === MessagingErrorCode.UNAVAILABLE || code === MessagingErrorCode.RESOURCE_EXHAUSTED);
    return this.set.add(this.scope, count, (transit) =>
      transit.answer({
        code,
        message: options.message ?? `injected fault: ${code}`,
        retryable,
        ...(options.details === undefined ? {} : { details: options.details }),
        pattern: transit.route,
        ...(transit.correlationId === undefined ? {} : { correlationId: transit.correlationId }),
      }),
    );
  }

  /**
   * The connection breaks under the next `count` selected messages: nothing
   * reaches the server, and the caller's request (or emit) fails with a
   * connection error (`MessagingConnectionError`, UNAVAILABLE, retryable), as
   * over a TCP connection that closed mid-request.
   * @default count 1
   */
  disconnectNext(count = 1): Fault {
    return this.set.add(this.scope, count, (transit) => transit.disconnect());
  }

  /**
   * Loses the selected messages: a request is never answered (its caller's
   * budget ends it), an event never arrives; the sender is not told.
   * @param count how many to lose. @default Infinity
   */
  drop(count = Infinity): Fault {
    return this.set.add(this.scope, count, (transit) => transit.lose('dropped by an injected fault'));
  }

  /**
   * Delivers each selected message twice, with the same ids: an event handler
   * with `dedupe` sees the second as a duplicate; a request is handled twice
   * and its second reply is dropped by the client (as Nest drops a reply of
   * unknown id).
   * @param count how many messages to duplicate. @default Infinity
   */
  duplicate(count = Infinity): Fault {
    return this.set.add(this.scope, count, (_, next) => {
      next();
      next();
    });
  }

  /**
   * Holds the next `batch` selected messages and delivers them last first
   * once the last of them was sent (`release()` delivers those held earlier).
   * @default batch 2
   */
  reorder(batch = 2): Fault {
    if (!(Number.isInteger(batch) && batch >= 2)) throw new RangeError(`reorder needs a batch of 2 or more messages, got ${String(batch)}`);
    return this.set.add(this.scope, batch, (_, next) => next(), batch);
  }
}
