"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkResilience = checkResilience;
const isPositiveInt = (v) => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isPositive = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
/**
 * Checks a client's resilience options; returns a list of problems, each saying what to do.
 * @internal
 */
function checkResilience(where, options) {
    if (options === undefined)
        return [];
    const problems = [];
    if (options === null || typeof options !== 'object') {
        return [`${where} has resilience ${String(options)}: give an object such as { circuitBreaker: {}, bulkhead: { maxConcurrent: 100 } }`];
    }
    const cb = options.circuitBreaker;
    if (cb !== undefined) {
        const at = `${where} resilience.circuitBreaker`;
        if (cb.consecutiveFailures !== undefined && cb.failureRate !== undefined) {
            problems.push(`${at} has both consecutiveFailures and failureRate: give one of them`);
        }
        if (cb.consecutiveFailures !== undefined && !isPositiveInt(cb.consecutiveFailures)) {
            problems.push(`${at}.consecutiveFailures is ${String(cb.consecutiveFailures)}: give a whole number >= 1`);
        }
        if (cb.failureRate !== undefined) {
            const fr = cb.failureRate;
            if (!(typeof fr?.threshold === 'number' && fr.threshold > 0 && fr.threshold <= 1)) {
                problems.push(`${at}.failureRate.threshold is ${String(fr?.threshold)}: give a share above 0 and at most 1 (0.5 for half)`);
            }
            if (fr?.window !== undefined && !(isPositive(fr.window) && fr.window >= 100)) {
                problems.push(`${at}.failureRate.window is ${String(fr.window)}: give milliseconds >= 100`);
            }
            if (fr?.minimumAttempts !== undefined && !isPositiveInt(fr.minimumAttempts)) {
                problems.push(`${at}.failureRate.minimumAttempts is ${String(fr.minimumAttempts)}: give a whole number >= 1`);
            }
        }
        if (cb.halfOpenAfter !== undefined && !isPositive(cb.halfOpenAfter)) {
            problems.push(`${at}.halfOpenAfter is ${String(cb.halfOpenAfter)}: give a positive number of milliseconds`);
        }
        if (cb.perPattern !== undefined && typeof cb.perPattern !== 'boolean') {
            problems.push(`${at}.perPattern is ${String(cb.perPattern)}: give true or false`);
        }
    }
    const bh = options.bulkhead;
    if (bh !== undefined) {
        if (!isPositiveInt(bh?.maxConcurrent)) {
            problems.push(`${where} resilience.bulkhead.maxConcurrent is ${String(bh?.maxConcurrent)}: give a whole number >= 1`);
        }
        if (bh?.maxQueued !== undefined && !(Number.isInteger(bh.maxQueued) && bh.maxQueued >= 0)) {
            problems.push(`${where} resilience.bulkhead.maxQueued is ${String(bh.maxQueued)}: give a whole number >= 0 (0: no queue)`);
        }
    }
    const rb = options.retryBudget;
    if (rb !== undefined) {
        if (rb.maxTokens !== undefined && !(isPositive(rb.maxTokens) && rb.maxTokens >= 1)) {
            problems.push(`${where} resilience.retryBudget.maxTokens is ${String(rb.maxTokens)}: give a number >= 1`);
        }
        if (rb.tokenRatio !== undefined && !(isPositive(rb.tokenRatio) && rb.tokenRatio <= 1)) {
            problems.push(`${where} resilience.retryBudget.tokenRatio is ${String(rb.tokenRatio)}: give a number above 0 and at most 1`);
        }
    }
    return problems;
}
