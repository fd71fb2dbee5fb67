"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingServerTCP = void 0;
const common_1 = require("@nestjs/common");
const microservices_1 = require("@nestjs/microservices");
const error_codes_1 = require("../errors/error-codes");
const in_flight_1 = require("../resilience/in-flight");
const incoming_metadata_1 = require("./incoming-metadata");
/**
 * Nest's TCP server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12; and, with a `gracePeriod`, a graceful
 * shutdown. Use it through {@link messagingMicroservice}.
 */
class MessagingServerTCP extends microservices_1.ServerTCP {
    /** Messages being handled (tracked only with a `gracePeriod`). */
    inFlight = new in_flight_1.InFlightTracker();
    gracePeriod;
    shutdownLogger = new common_1.Logger('MessagingServer');
    constructor(options = {}, serverOptions = {}) {
        super(options);
        this.gracePeriod = serverOptions.gracePeriod ?? 0;
    }
    handleMessage(socket, rawMessage) {
        if (this.gracePeriod <= 0)
            return this.handleWithMetadata(socket, rawMessage);
        // graceful shutdown: refuse new requests while draining (events are still handled:
        // TCP events have no ack, so the sender could not know that one was refused).
        const id = rawMessage?.id;
        if (this.inFlight.isDraining && id !== undefined) {
            socket.sendMessage(this.serializer.serialize({
                id,
                isDisposed: true,
                err: {
                    code: error_codes_1.MessagingErrorCode.UNAVAILABLE,
                    message: 'the server is shutting down and takes no new requests; retry (another instance)',
                    retryable: true,
                },
            }));
            return Promise.resolve();
        }
        return (0, in_flight_1.trackInFlight)(this.inFlight, () => this.handleWithMetadata(socket, rawMessage));
    }
    /** Nest's handling, with the packet's metadata readable on Nest 11 (Nest 12's TcpContext shows it itself). */
    handleWithMetadata(socket, rawMessage) {
        if (CONTEXT_HAS_METADATA)
            return super.handleMessage(socket, rawMessage);
        const metadata = rawMessage?.metadata;
        return incoming_metadata_1.incomingPacketMetadata.run({ metadata }, () => super.handleMessage(socket, rawMessage));
    }
    /**
     * With a `gracePeriod`: stops accepting connections, refuses new requests
     * (UNAVAILABLE, retryable), waits for the handlers in flight to finish or for
     * the grace period to end, then closes as Nest does (closing the sockets).
     */
    async close() {
        if (this.gracePeriod > 0 && !this.inFlight.isDraining) {
            this.inFlight.startDraining();
            this.server?.close();
            const result = await this.inFlight.drain(this.gracePeriod);
            if (!result.drained) {
                this.shutdownLogger.warn(`shutdown: ${result.abandoned} message(s) still in flight after the grace period of ${this.gracePeriod} ms; closing anyway`);
            }
        }
        super.close();
    }
}
exports.MessagingServerTCP = MessagingServerTCP;
/** Feature detection, not version detection: Nest 12's TcpContext has getMetadata(). */
const CONTEXT_HAS_METADATA = typeof microservices_1.TcpContext.prototype.getMetadata === 'function';
