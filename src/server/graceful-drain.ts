import type { Logger } from '@nestjs/common';
import { MessagingError } from '../errors/messaging.errors';
import { MessagingErrorCode } from '../errors/error-codes';
import type { InFlightTracker } from '../context/in-flight';

/**
 * Graceful shutdown, the same on every transport: stop taking new messages
 * (`stopIntake`: the transport's own way: stop accepting connections,
 * unsubscribe, cancel the consumer, so that the broker hands new messages to
 * another instance or keeps them), let the messages in flight finish for up
 * to `gracePeriod` ms (their replies are sent, their deliveries settled), then
 * abandon those still running (their signals abort; nothing more is sent for
 * them: the connection is closing, and a broker delivery left unsettled goes
 * to another instance) and let the caller close.
 * @internal
 */
export async function drainGracefully(
  inFlight: InFlightTracker,
  gracePeriod: number,
  stopIntake: () => unknown,
  logger: Logger,
): Promise<void> {
  if (gracePeriod <= 0 || inFlight.isDraining) return;
  inFlight.startDraining();
  try {
    await stopIntake();
  } catch (err) {
    logger.warn(`shutdown: could not stop taking new messages: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = await inFlight.drain(gracePeriod);
  if (!result.drained) {
    logger.warn(
      `shutdown: ${result.abandoned} message(s) still in flight after the grace period of ${gracePeriod} ms; aborting their signals and closing`,
    );
    inFlight.abandonAll(
      new MessagingError(`the server shut down before the handler finished (grace period ${gracePeriod} ms)`, MessagingErrorCode.UNAVAILABLE, true),
    );
  }
}

/**
 * Waits until every promise settled, or `ms` passed (replies handed to a
 * transport during the drain, on their way out before it closes).
 * @internal
 */
export async function settledWithin(promises: Iterable<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
}
