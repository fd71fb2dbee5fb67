"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkHandlerResilience = checkHandlerResilience;
/**
 * Checks the resilience fields of handler options (module `handlers` or a
 * decorator's); returns a list of problems, each saying what to do.
 * @internal
 */
function checkHandlerResilience(where, options) {
    if (!options)
        return [];
    const problems = [];
    const max = options.maxPayloadSize;
    if (max !== undefined && max !== false && !(Number.isInteger(max) && max > 0)) {
        problems.push(`${where} have maxPayloadSize ${String(max)}: give a whole number of bytes > 0 (or false for none)`);
    }
    const d = options.dedupe;
    if (d !== undefined && typeof d !== 'boolean') {
        if (d === null || typeof d !== 'object') {
            problems.push(`${where} have dedupe ${String(d)}: give true, false or { window, store }`);
        }
        else {
            if (d.window !== undefined && !(typeof d.window === 'number' && Number.isFinite(d.window) && d.window > 0)) {
                problems.push(`${where} have dedupe.window ${String(d.window)}: give a positive number of milliseconds`);
            }
            if (d.store !== undefined && (typeof d.store?.claim !== 'function' || typeof d.store?.release !== 'function')) {
                problems.push(`${where} have a dedupe.store without claim() and release(): give a DedupeStore (MemoryDedupeStore, RedisDedupeStore)`);
            }
        }
    }
    return problems;
}
