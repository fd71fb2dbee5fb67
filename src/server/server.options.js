"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkServerOptions = checkServerOptions;
/**
 * Checks server options; returns a list of problems, each saying what to do.
 * @internal
 */
function checkServerOptions(options) {
    if (options === undefined)
        return [];
    const g = options.gracePeriod;
    if (g !== undefined && !(typeof g === 'number' && Number.isFinite(g) && g >= 0)) {
        return [`messagingMicroservice: gracePeriod is ${String(g)}: give milliseconds >= 0 (0 closes at once)`];
    }
    return [];
}
