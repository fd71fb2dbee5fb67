"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OutgoingMessage = void 0;
/**
 * The payload and its metadata on their way from MessagingClient to the
 * transport's serializer, which unwraps them (see {@link MessagingClientSerializer}).
 *
 * Should a proxy without that serializer ever serialize it, `toJSON()` gives
 * the bare payload: the peer then receives exactly what a plain ClientProxy
 * would have sent, only without metadata.
 * @internal
 */
class OutgoingMessage {
    data;
    metadata;
    constructor(data, metadata) {
        this.data = data;
        this.metadata = metadata;
    }
    toJSON() {
        return this.data;
    }
}
exports.OutgoingMessage = OutgoingMessage;
