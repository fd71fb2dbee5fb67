"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseTraceparent = parseTraceparent;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/**
 * Parses a W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lower-case hex. Returns `undefined` for
 * anything invalid: version `ff`, an all-zero trace or parent id, a wrong
 * length, upper-case digits, or extra fields on version `00`. A later version
 * may carry more fields after the flags; they are ignored.
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
function parseTraceparent(value) {
    if (typeof value !== 'string' || value.length > 512)
        return undefined;
    const m = TRACEPARENT.exec(value);
    if (!m)
        return undefined;
    const [, version, traceId, parentId, flags, rest] = m;
    if (version === 'ff' || (version === '00' && rest !== undefined))
        return undefined;
    if (/^0+$/.test(traceId) || /^0+$/.test(parentId))
        return undefined;
    return { version, traceId, parentId, flags: parseInt(flags, 16) };
}
