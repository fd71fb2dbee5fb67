import { Observable, type Observer, type Subscriber } from 'rxjs';

/**
 * What `MessagingClient.emit()` returns: a hot Observable of the publish's
 * outcome (one `undefined` then complete, or the typed error), replayed to
 * whoever subscribes, before or after it settled; ignoring it is safe. One
 * object per event (an AsyncSubject and its `asObservable()` would be two,
 * plus their subscriptions).
 * @internal
 */
export class EmitOutcome extends Observable<void> implements Observer<unknown> {
  private settled: 'pending' | 'done' | 'failed' = 'pending';
  private error_: unknown;
  private waiting: Subscriber<void>[] | undefined;

  constructor() {
    super(subscribeToOutcome);
  }

  next(): void {
    // The execution reports the publish's end through complete() (after one next()).
  }

  error(err: unknown): void {
    if (this.settled !== 'pending') return;
    this.settled = 'failed';
    this.error_ = err;
    this.release((s) => s.error(err));
  }

  complete(): void {
    if (this.settled !== 'pending') return;
    this.settled = 'done';
    this.release((s) => {
      s.next(undefined);
      s.complete();
    });
  }

  /** @internal */
  attach(subscriber: Subscriber<void>): void {
    if (this.settled === 'done') {
      subscriber.next(undefined);
      subscriber.complete();
    } else if (this.settled === 'failed') {
      subscriber.error(this.error_);
    } else {
      (this.waiting ??= []).push(subscriber);
    }
  }

  private release(settle: (s: Subscriber<void>) => void): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.forEach(settle);
  }
}

/** rxjs calls an Observable's subscribe function as a method of it: one shared function, no closure per event. */
function subscribeToOutcome(this: Observable<void>, subscriber: Subscriber<void>): void {
  (this as EmitOutcome).attach(subscriber);
}
