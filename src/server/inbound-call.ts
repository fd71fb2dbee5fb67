import { isObservable, type Observer, type Subscription, type TeardownLogic } from 'rxjs';
import { currentInbound, runInbound, type InboundMessage } from '../context/message-context';
import { toWireError } from '../errors/wire-error';
import type { HandlerRoute } from '../handler/handler-route';
import type { HandlerObserver, MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { startHandler } from '../instrumentation/observers';
import type { Expirable } from './deadline-wheel';
import type { DeadlineWheel } from './deadline-wheel';
import type { FairQueue, Startable } from './fair-queue';
import { DROPPED, expired, type InboundSteps, type NestHandler } from './inbound-steps';

/** What an InboundCall needs from its pipeline. @internal */
export interface InboundCallHost {
  readonly steps: InboundSteps;
  readonly deadlines: DeadlineWheel;
  readonly queue: FairQueue;
  readonly instruments: readonly MessagingInstrumentation[] | undefined;
  /** The transport's `messaging.system`. */
  readonly system: string;
  /** The message's metadata map as it arrived (for an instrumentation's propagator). */
  headersOf(message: InboundMessage): Readonly<Record<string, string>>;
}

/**
 * One message on the pipeline's full path: its checks and decoding, the
 * handler's result until it has been sent, the deadline that ends it, and
 * the instrumentation's observer. A class rather than closures: one object
 * per message.
 * @internal
 */
export class InboundCall implements Observer<unknown>, Expirable, Startable {
  /** Who gets the result: Nest's subscriber, or the strategy's own reply (see `InboundPipeline.dispatchTo`). */
  private subscriber: Observer<unknown> | undefined;
  private inner: Subscription | undefined;
  private observer: HandlerObserver | undefined;
  /** Ends the message's in-flight hold (graceful shutdown), when the server tracks messages. */
  private release: (() => void) | undefined;
  private slot: number | undefined;
  private claimed: string | undefined;
  private ended = false;
  /** Whether the checks and handler began (the fair queue got to the message). */
  private begun = false;
  private link: Link | undefined;

  constructor(
    private readonly pipeline: InboundCallHost,
    private readonly route: HandlerRoute,
    private readonly callback: NestHandler,
    private readonly message: InboundMessage,
    private data: unknown,
    private context: unknown,
    /** gRPC: the server call, Nest's third handler argument. */
    private call: unknown = undefined,
  ) {}

  start(subscriber: Observer<unknown>): TeardownLogic {
    this.subscriber = subscriber;
    const { pipeline, message, route } = this;
    if (message.tracked) {
      this.release = message.hold();
      message.handling = this;
    }
    if (message.deadline !== undefined) this.slot = pipeline.deadlines.add(this, message.deadline);
    if (pipeline.instruments) {
      this.observer = startHandler(pipeline.instruments, {
        kind: route.kind,
        destination: route.destination,
        system: pipeline.system,
        metadata: message.message!,
        headers: pipeline.headersOf(message),
      });
    }
    pipeline.queue.start(this, message.receivedAt, message.deadline !== undefined);
    return () => this.teardown();
  }

  /** Runs the checks, then the handler (now, or when the fair queue gets to it). */
  begin(): boolean {
    if (this.ended) return false;
    this.begun = true;
    if (currentInbound() !== this.message) return runInbound(this.message, () => this.begin());
    if (this.observer) this.observer.run(() => this.prepare());
    else this.prepare();
    return true;
  }

  private prepare(): void {
    let prepared: unknown;
    try {
      prepared = this.pipeline.steps.prepare(this.route, this.message, this.data, (key) => (this.claimed = key));
    } catch (err) {
      return this.refuse(err);
    }
    if (prepared instanceof Promise) prepared.then((value) => this.invoke(value), (err: unknown) => this.refuse(err));
    else this.invoke(prepared);
  }

  private refuse(err: unknown): void {
    if (this.ended) return;
    const metadata = this.message.message!; // read before end() lets the message go
    const subscriber = this.end(err)!;
    this.pipeline.steps.refused(this.route, metadata, err, subscriber);
  }

  private invoke(prepared: unknown): void {
    if (this.ended) return;
    if (prepared === DROPPED) return this.complete();
    // Called as a plain function: as a method, this call would be the receiver its async frames keep.
    const callback = this.callback;
    const result = this.call === undefined ? callback(prepared, this.context) : callback(prepared, this.context, this.call);
    if (!(result instanceof Promise)) return this.deliver(result);
    // The handler's promise reaches this call through a link the call cuts when it ends: a handler that
    // outlives its deadline (ignoring its signal) keeps the link alive, not the call and what it holds.
    const link = new Link(this);
    this.link = link;
    result.then(
      (value) => link.call?.deliver(value),
      (err: unknown) => link.call?.error(err),
    );
  }

  /** @internal */
  deliver(value: unknown): void {
    if (this.ended) return;
    if (isObservable(value)) {
      this.inner = value.subscribe(this);
    } else {
      this.next(value);
      this.complete();
    }
  }

  next(value: unknown): void {
    this.subscriber?.next(value);
  }

  error(err: unknown): void {
    this.end(err)?.error(err);
  }

  complete(): void {
    this.end()?.complete();
  }

  /**
   * The request's deadline passed while its handler runs: its signal is
   * aborted, its result no longer awaited, and the caller (who gave up by now)
   * answered DEADLINE_EXCEEDED, which also settles a broker delivery.
   */
  expire(): void {
    this.slot = undefined;
    if (this.ended) return;
    const err = expired(this.message, this.route, this.begun);
    this.message.abort(err);
    this.inner?.unsubscribe();
    const metadata = this.message.message!;
    this.end(err)?.error(
      toWireError(err, { pattern: this.route.destination, correlationId: metadata.correlationId, exposeErrors: false }).payload,
    );
  }

  /**
   * The server gave up on the message at the end of its grace period: the
   * call ends without a reply (the connection is closing; a broker delivery
   * left unsettled is redelivered), and whatever the handler does later is
   * not sent.
   */
  abandonHandling(reason: unknown): void {
    this.inner?.unsubscribe();
    this.end(reason);
  }

  private teardown(): void {
    this.inner?.unsubscribe();
    this.end();
  }

  /**
   * Ends the call once: its deadline slot, observer, dedupe claim and hold.
   * Drops what it holds (a handler that ignores its signal may keep this
   * object alive long after). @returns the subscriber to settle, the first time.
   */
  private end(error?: unknown): Observer<unknown> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    const subscriber = this.subscriber;
    if (this.slot !== undefined) this.pipeline.deadlines.remove(this, this.slot);
    this.observer?.end(error === undefined ? undefined : (this.message.failure ?? error));
    if (this.claimed !== undefined) this.pipeline.steps.settled(this.route, this.claimed, error !== undefined);
    // A loop turn later: Nest writes the reply on the next tick.
    if (this.release) setImmediate(this.release);
    this.subscriber = undefined;
    this.observer = undefined;
    this.inner = undefined;
    this.data = undefined;
    this.context = undefined;
    this.call = undefined;
    if (this.link) this.link.call = undefined;
    this.message.handling = undefined;
    this.message.settle();
    return subscriber;
  }
}

/** What a handler's pending promise holds of its call: cut when the call ends. */
class Link {
  constructor(public call: InboundCall | undefined) {}
}
