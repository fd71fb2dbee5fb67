"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkPayloadSize = checkPayloadSize;
const resilience_errors_1 = require("./resilience.errors");
/** Size of `data` as UTF-8 JSON, in bytes (0 when it cannot be serialized: the transport reports that). */
function jsonSize(data) {
    let text;
    try {
        text = JSON.stringify(data);
    }
    catch {
        return 0; // not serializable: the transport reports it
    }
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
/**
 * Checks a payload against a size limit in bytes of UTF-8 JSON. Costs one
 * `JSON.stringify` of the payload, so it only runs when a limit is set.
 * @returns the error to raise, or `undefined` when the payload fits.
 * @internal
 */
function checkPayloadSize(data, limit, where, fields) {
    if (limit === undefined || limit === false)
        return undefined;
    const size = jsonSize(data);
    return size > limit ? new resilience_errors_1.MessagingPayloadTooLargeError(size, limit, where, fields) : undefined;
}
