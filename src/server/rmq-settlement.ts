/** The part of an amqplib channel that settles deliveries. */
interface SettlingChannel {
  ack(message: object, allUpTo?: boolean): void;
  nack(message: object, allUpTo?: boolean, requeue?: boolean): void;
  reject(message: object, requeue?: boolean): void;
  ackAll(): void;
  nackAll(requeue?: boolean): void;
}

interface Delivery {
  fields?: { deliveryTag?: number };
}

const tracked = new WeakMap<object, Settlements>();

/**
 * Which deliveries of one channel were settled (acked, nacked, rejected), by
 * anyone: the library's server, or a handler that settles its own delivery
 * (`ctx.getChannelRef().ack(ctx.getMessage())`, Nest's documented manual
 * acknowledgement). A delivery settled twice makes the broker close the
 * channel (406 PRECONDITION_FAILED unknown delivery tag) and redeliver what
 * was on it, so the server settles only what nobody settled.
 * @internal
 */
export class Settlements {
  private readonly settled = new WeakSet<object>();
  /** Deliveries with a tag up to this one were settled by an `allUpTo` / `*All` call. */
  private upTo = 0;
  private highest = 0;

  /** The settlements of `channel`, watching its settling methods from now on. */
  static of(channel: object): Settlements {
    let settlements = tracked.get(channel);
    if (!settlements) {
      settlements = new Settlements(channel as SettlingChannel);
      tracked.set(channel, settlements);
    }
    return settlements;
  }

  private constructor(channel: SettlingChannel) {
    const ack = channel.ack.bind(channel);
    const nack = channel.nack.bind(channel);
    const reject = channel.reject.bind(channel);
    const ackAll = channel.ackAll.bind(channel);
    const nackAll = channel.nackAll.bind(channel);
    channel.ack = (message, allUpTo) => {
      this.mark(message, allUpTo === true);
      ack(message, allUpTo);
    };
    channel.nack = (message, allUpTo, requeue) => {
      this.mark(message, allUpTo === true);
      nack(message, allUpTo, requeue);
    };
    channel.reject = (message, requeue) => {
      this.mark(message, false);
      reject(message, requeue);
    };
    channel.ackAll = () => {
      this.upTo = this.highest;
      ackAll();
    };
    channel.nackAll = (requeue) => {
      this.upTo = this.highest;
      nackAll(requeue);
    };
  }

  /** Notes a delivery received on the channel. */
  received(message: object): void {
    const tag = (message as Delivery).fields?.deliveryTag ?? 0;
    if (tag > this.highest) this.highest = tag;
  }

  /** Whether `message` was settled already. */
  isSettled(message: object): boolean {
    const tag = (message as Delivery).fields?.deliveryTag ?? 0;
    return this.settled.has(message) || (tag > 0 && tag <= this.upTo);
  }

  private mark(message: object, allUpTo: boolean): void {
    this.settled.add(message);
    if (allUpTo) this.upTo = Math.max(this.upTo, (message as Delivery).fields?.deliveryTag ?? 0);
  }
}
