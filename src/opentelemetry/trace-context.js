"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.remoteContext = remoteContext;
const api_1 = require("@opentelemetry/api");
const traceparent_1 = require("../http/traceparent");
/**
 * The caller's span as a remote parent, from W3C trace context (`traceparent`,
 * `tracestate`); the root context when `traceparent` is absent or invalid.
 * @internal
 */
function remoteContext(traceparent, tracestate) {
    const parent = (0, traceparent_1.parseTraceparent)(traceparent);
    if (!parent)
        return api_1.ROOT_CONTEXT;
    return api_1.trace.setSpanContext(api_1.ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.parentId,
        traceFlags: parent.flags & 0xff,
        isRemote: true,
        traceState: typeof tracestate === 'string' && tracestate.length <= 512 ? (0, api_1.createTraceState)(tracestate) : undefined,
    });
}
