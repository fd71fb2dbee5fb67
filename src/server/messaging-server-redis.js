"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingServerRedis = void 0;
const microservices_1 = require("@nestjs/microservices");
const incoming_metadata_1 = require("./incoming-metadata");
/**
 * Nest's Redis server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12. Use it through {@link messagingMicroservice}.
 */
class MessagingServerRedis extends microservices_1.ServerRedis {
    constructor(options = {}) {
        super(options);
    }
    handleMessage(...args) {
        // Nest 12's RedisContext shows the packet's metadata itself: no async context needed.
        if (CONTEXT_HAS_METADATA)
            return super.handleMessage(...args);
        return incoming_metadata_1.incomingPacketMetadata.run({ metadata: undefined }, () => super.handleMessage(...args));
    }
    // Public in Nest 11 and 12, and called synchronously first thing in handleMessage:
    // the parsed packet is caught here without a second JSON.parse.
    parseMessage(content) {
        const parsed = super.parseMessage(content);
        const holder = incoming_metadata_1.incomingPacketMetadata.getStore();
        if (holder && parsed !== null && typeof parsed === 'object')
            holder.metadata = parsed.metadata;
        return parsed;
    }
}
exports.MessagingServerRedis = MessagingServerRedis;
/** Feature detection, not version detection: Nest 12's RedisContext has getMetadata(). */
const CONTEXT_HAS_METADATA = typeof microservices_1.RedisContext.prototype.getMetadata === 'function';
