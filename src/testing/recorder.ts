import { clearTimeout as realClearTimeout, setTimeout as realSetTimeout } from 'node:timers';
import type { MessagePattern } from '../errors/messaging.errors';
import type { MessageMetadata } from '../wire/message-metadata';
import { describeTarget, routeOf, type MessageTarget } from './message-target';

/**
 * Which side saw a message: a client `sent` a request or `emitted` an event;
 * a server `received` a request or `consumed` an event.
 */
export type RecordKind = 'sent' | 'received' | 'emitted' | 'consumed';

/**
 * How a recorded message ended, as the side that recorded it saw it:
 * - `pending`: not yet;
 * - `ok`: a request was answered (`response` is the last value, `responses` all
 *   of them), an event was handled (or, for `emitted`, delivered);
 * - `error`: a request was answered with an error (`error` is what travelled:
 *   the library's wire error `{ code, message, ... }`, or a transport `Error`);
 *   an event's handler failed or the server refused it (`error` is what the
 *   handler threw, or why: a `ContractViolationError`...);
 * - `dropped`: a fault lost it, or no server handles its pattern (events);
 * - `cancelled`: the caller stopped waiting before any reply (its budget ended).
 */
export type MessageOutcome<R = unknown> =
  | { readonly status: 'pending' }
  | { readonly status: 'ok'; readonly response: R | undefined; readonly responses: readonly R[] }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'dropped'; readonly reason: string }
  | { readonly status: 'cancelled' };

/**
 * One message as a side of the in-memory transport saw it: its pattern,
 * payload and metadata as they travelled, and its outcome.
 * @typeParam P the payload type (a contract's payload of any of its versions).
 * @typeParam R the response type (a message contract's response).
 */
export interface RecordedMessage<P = unknown, R = unknown> {
  /** Which side saw it (see {@link RecordKind}). */
  readonly kind: RecordKind;
  /** The pattern as it travelled. */
  readonly pattern: MessagePattern;
  /** The pattern as Nest routes it (object keys sorted), e.g. `{"cmd":"get_user"}`. */
  readonly route: string;
  /** The payload as it travelled (before a handler's contract decoded it). */
  readonly payload: P;
  /** The decoded metadata; `undefined` when the sender sent none (a plain Nest client). */
  readonly metadata: MessageMetadata | undefined;
  /** The name of the in-memory client that sent it, when it has one. */
  readonly client: string | undefined;
  /** The in-memory endpoint (server) it was sent to. */
  readonly endpoint: string;
  /** When it was recorded, by `Date.now()` (a fake clock's, when one is installed). */
  readonly at: number;
  /** How it ended so far. */
  readonly outcome: MessageOutcome<R>;
}

/** What {@link MessageRecorder.waitFor} takes. */
export interface WaitForOptions<P = unknown, R = unknown> {
  /** Only messages for which this returns true. */
  where?: (message: RecordedMessage<P, R>) => boolean;
  /**
   * Real milliseconds to wait (fake timers do not stop this clock).
   * @default 5000
   */
  timeout?: number;
  /**
   * Wait for the message's outcome (a reply, a finished handler), not only its arrival.
   * @default true
   */
  settled?: boolean;
  /**
   * Resolve with the `count`-th matching message (1: the first).
   * @default 1
   */
  count?: number;
}

/** A recorded message whose outcome the transport fills in. @internal */
export class MessageRecord<P = unknown, R = unknown> implements RecordedMessage<P, R> {
  outcome: MessageOutcome<R> = PENDING;
  private replies: R[] | undefined;

  constructor(
    readonly kind: RecordKind,
    readonly pattern: MessagePattern,
    readonly route: string,
    readonly payload: P,
    readonly metadata: MessageMetadata | undefined,
    readonly client: string | undefined,
    readonly endpoint: string,
    private readonly recorder: MessageRecorder,
    readonly at = Date.now(),
  ) {}

  /** A value of a request's reply stream. */
  value(response: R): void {
    if (this.outcome === PENDING) (this.replies ??= []).push(response);
  }

  /** The message ended: `ok` (with the values received, if any), an error, a drop or a cancel. */
  settle(outcome: 'ok' | Exclude<MessageOutcome<R>, { status: 'pending' | 'ok' }>): void {
    if (this.outcome !== PENDING) return;
    const responses = this.replies ?? [];
    this.outcome = outcome === 'ok' ? { status: 'ok', response: responses[responses.length - 1], responses } : outcome;
    this.recorder.changed();
  }
}

const PENDING = Object.freeze({ status: 'pending' as const });

interface Waiter {
  check(): boolean;
}

/**
 * Every message the in-memory transport carried, from both sides, in order:
 * what clients sent and emitted, what servers received and consumed, each
 * with its metadata and outcome. Query it by contract or pattern, or wait for
 * a message to arrive. Each harness has one (`harness.recorder`); its
 * shortcuts `sent()`, `received()`, `emitted()`, `consumed()` and `waitFor()`
 * read it, typed by the contract.
 * @example
 * const [call] = harness.recorder.query('sent', GetUser);
 * expect(call.metadata?.correlationId).toBe('corr-1');
 */
export class MessageRecorder {
  private readonly records: MessageRecord[] = [];
  private readonly waiters = new Set<Waiter>();

  /** Every recorded message, oldest first. */
  get messages(): readonly RecordedMessage[] {
    return this.records;
  }

  /**
   * The recorded messages of one kind, oldest first, for a contract or a
   * pattern (any pattern when omitted).
   * @example
   * expect(recorder.query('sent', GetUser)).toHaveLength(1);
   */
  query(kind: RecordKind, target?: MessageTarget, where?: (message: RecordedMessage) => boolean): RecordedMessage[] {
    const route = target === undefined ? undefined : routeOf(target);
    return this.records.filter((r) => r.kind === kind && (route === undefined || r.route === route) && (!where || where(r)));
  }

  /**
   * Resolves with the first message (the `count`-th) of `kind` for `target`
   * that is recorded, already or later, and settled (unless `settled: false`).
   * @throws Error (the promise rejects) after `timeout` real milliseconds, listing what was recorded.
   * @example
   * const consumed = await recorder.waitFor('consumed', UserCreated, { where: (m) => m.payload.id === 42 });
   */
  waitFor(kind: RecordKind, target: MessageTarget | undefined, options: WaitForOptions = {}): Promise<RecordedMessage> {
    const { where, timeout = 5000, settled = true, count = 1 } = options;
    const find = (): RecordedMessage | undefined => {
      const found = this.query(kind, target, where).filter((r) => !settled || r.outcome.status !== 'pending');
      return found[count - 1];
    };
    const now = find();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = find();
          if (!found) return false;
          this.waiters.delete(waiter);
          realClearTimeout(timer);
          resolve(found);
          return true;
        },
      };
      const timer = realSetTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${settled ? 'settled ' : ''}'${kind}' message for ${describeTarget(target)} within ${timeout} ms; recorded: ${this.summary()}`));
      }, timeout);
      this.waiters.add(waiter);
    });
  }

  /** Forgets every recorded message (pending waits go on), e.g. in a `beforeEach`. */
  clear(): void {
    this.records.length = 0;
  }

  /** @internal */
  add<P, R>(record: MessageRecord<P, R>): MessageRecord<P, R> {
    this.records.push(record as MessageRecord);
    this.changed();
    return record;
  }

  /** @internal a record was added or settled: wake the waits it may satisfy. */
  changed(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  /** One line per recorded message (at most 20), for error messages. */
  summary(): string {
    if (this.records.length === 0) return 'nothing';
    const lines = this.records.slice(-20).map((r) => `${r.kind} ${r.route} -> ${r.endpoint} (${r.outcome.status})`);
    return (this.records.length > 20 ? `... ${this.records.length - 20} more, then ` : '') + lines.join('; ');
  }
}
