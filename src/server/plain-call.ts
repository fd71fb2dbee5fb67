import { isObservable, type Observer } from 'rxjs';
import { currentInbound, runInbound, type InboundMessage } from '../context/message-context';
import type { Startable } from './fair-queue';
import type { NestHandler } from './inbound-steps';

/**
 * A message that needs nothing of the pipeline but its turn (a handler
 * without checks, called without a budget, untraced and untracked: what
 * starts at once on the fast path while the loop keeps up). While the loop
 * is behind it waits in the fair queue like any other message, then Nest's
 * handler runs in the message's context and its result goes to the
 * strategy's observer, as on the full path: an {@link InboundCall} without
 * checks, deadline, instrumentation or dedupe claim, one small object per
 * message (a burst of cheap events is queued by the hundred).
 * @internal
 */
export class PlainCall implements Startable {
  constructor(
    private readonly message: InboundMessage,
    private readonly callback: NestHandler,
    private readonly data: unknown,
    private readonly context: unknown,
    /** gRPC: the server call, Nest's third handler argument. */
    private readonly call: unknown,
    private readonly observer: Observer<unknown>,
  ) {}

  begin(): boolean {
    if (currentInbound() !== this.message) return runInbound(this.message, () => this.begin());
    const { callback, observer } = this;
    let result: unknown;
    try {
      result = this.call === undefined ? callback(this.data, this.context) : callback(this.data, this.context, this.call);
    } catch (err) {
      observer.error(err);
      return true;
    }
    if (result instanceof Promise) result.then((value: unknown) => deliver(value, observer), (err: unknown) => observer.error(err));
    else deliver(result, observer);
    return true;
  }
}

function deliver(value: unknown, observer: Observer<unknown>): void {
  if (isObservable(value)) {
    value.subscribe(observer);
  } else {
    observer.next(value);
    observer.complete();
  }
}
