import { ServerTCP, type TcpOptions } from '@nestjs/microservices';
import { InFlightTracker } from '../resilience/in-flight';
import type { MessagingServerOptions } from './server.options';
type TcpServerOptions = NonNullable<TcpOptions['options']>;
/**
 * Nest's TCP server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12; and, with a `gracePeriod`, a graceful
 * shutdown. Use it through {@link messagingMicroservice}.
 */
export declare class MessagingServerTCP extends ServerTCP {
    /** Messages being handled (tracked only with a `gracePeriod`). */
    readonly inFlight: InFlightTracker;
    private readonly gracePeriod;
    private readonly shutdownLogger;
    constructor(options?: TcpServerOptions, serverOptions?: MessagingServerOptions);
    handleMessage(socket: Parameters<ServerTCP['handleMessage']>[0], rawMessage: unknown): Promise<unknown>;
    /** Nest's handling, with the packet's metadata readable on Nest 11 (Nest 12's TcpContext shows it itself). */
    private handleWithMetadata;
    /**
     * With a `gracePeriod`: stops accepting connections, refuses new requests
     * (UNAVAILABLE, retryable), waits for the handlers in flight to finish or for
     * the grace period to end, then closes as Nest does (closing the sockets).
     */
    close(): Promise<void>;
}
export {};
