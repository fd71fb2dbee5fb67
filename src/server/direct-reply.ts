import { isObservable, type Observer } from 'rxjs';

/** One reply packet, as Nest's `Server#send` builds it (the transport adds the request's id). @internal */
export interface ReplyPacket {
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

/**
 * The replies to one request, produced exactly as Nest's `Server#send`
 * produces them, without its operator chain and its promise per tick: each
 * value is a `{ response }` packet, an error an `{ err }` packet, the last
 * packet is marked `isDisposed` (a stream that ends after its last packet went
 * out sends `{ isDisposed: true }` alone), and the packets of one tick are
 * written on the next, in order.
 * @internal
 */
export abstract class DirectReply implements Observer<unknown> {
  private queue: ReplyPacket[] | undefined;
  private scheduled = false;

  /** Writes one packet. */
  protected abstract write(packet: ReplyPacket): void;

  /** A packet could not be written (logged; the packets behind it still go out, as on Nest 12). */
  protected abstract failed(err: unknown): void;

  /**
   * Replies with what a handler returned (after awaiting it, as Nest does): the
   * values of an Observable, or the value itself.
   */
  from(result: unknown): void {
    if (isObservable(result)) {
      result.subscribe(this);
    } else {
      this.next(result);
      this.complete();
    }
  }

  next(response: unknown): void {
    this.push({ response });
  }

  error(err: unknown): void {
    this.push({ err });
    this.complete();
  }

  complete(): void {
    const queue = this.queue;
    if (queue !== undefined && queue.length > 0) queue[queue.length - 1]!.isDisposed = true;
    else this.push({ isDisposed: true });
  }

  private push(packet: ReplyPacket): void {
    (this.queue ??= []).push(packet);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(flushReplies, this);
    }
  }

  /** @internal */
  flush(): void {
    this.scheduled = false;
    const queue = this.queue!;
    this.queue = undefined;
    for (const packet of queue) {
      try {
        this.write(packet);
      } catch (err) {
        this.failed(err);
      }
    }
  }
}

function flushReplies(reply: DirectReply): void {
  reply.flush();
}
