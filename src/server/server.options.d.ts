import type { RmqDeliveryOptions } from './messaging-server-rmq';
/** Options of the library's server strategies (the second argument of `messagingMicroservice`). */
export interface MessagingServerOptions {
    /** RabbitMQ only: acknowledgement, prefetch and dead-lettering (see `MessagingServerRMQ`). */
    rmq?: RmqDeliveryOptions;
    /**
     * Graceful shutdown (TCP): on close, stop taking new messages, wait up to this many
     * milliseconds for the handlers in flight to finish (their replies are sent),
     * then close. Requests that arrive meanwhile get a retryable UNAVAILABLE
     * error. `0`: close at once, as Nest does.
     * Nest closes the server on `app.close()`, and on SIGTERM when
     * `app.enableShutdownHooks()` was called.
     * @default 0
     */
    gracePeriod?: number;
}
/**
 * Checks server options; returns a list of problems, each saying what to do.
 * @internal
 */
export declare function checkServerOptions(options: MessagingServerOptions | undefined): string[];
