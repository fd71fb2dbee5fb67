"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_CALL_POLICY = void 0;
exports.mergePolicy = mergePolicy;
exports.checkPolicy = checkPolicy;
exports.backoffDelay = backoffDelay;
/** The library's defaults. */
exports.DEFAULT_CALL_POLICY = Object.freeze({
    timeout: 5000,
    attemptTimeout: false,
    idempotent: false,
    maxAttempts: 3,
    baseDelay: 100,
    maxDelay: 2000,
    validatePayloads: false,
    validateResponses: false,
    maxPayloadSize: false,
});
/** Lays `override` over `base`. @internal */
function mergePolicy(base, override) {
    if (!override)
        return base;
    return {
        timeout: override.timeout ?? base.timeout,
        attemptTimeout: override.attemptTimeout ?? base.attemptTimeout,
        idempotent: override.idempotent ?? base.idempotent,
        maxAttempts: override.retry?.maxAttempts ?? base.maxAttempts,
        baseDelay: override.retry?.baseDelay ?? base.baseDelay,
        maxDelay: override.retry?.maxDelay ?? base.maxDelay,
        validatePayloads: override.validatePayloads ?? base.validatePayloads,
        validateResponses: override.validateResponses ?? base.validateResponses,
        maxPayloadSize: override.maxPayloadSize ?? base.maxPayloadSize,
        onRetry: override.onRetry ?? base.onRetry,
        onGiveUp: override.onGiveUp ?? base.onGiveUp,
    };
}
/**
 * Checks a policy and returns a list of problems, each saying what to do.
 * @internal
 */
function checkPolicy(where, policy) {
    if (!policy)
        return [];
    const problems = [];
    const positive = (name, v, allowFalse) => {
        if (v === undefined || (allowFalse && v === false))
            return;
        if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
            problems.push(`${where} has ${name} ${String(v)}: give a positive number of milliseconds${allowFalse ? ' (or false for none)' : ''}`);
        }
    };
    positive('timeout', policy.timeout, true);
    positive('attemptTimeout', policy.attemptTimeout, true);
    if (policy.maxPayloadSize !== undefined &&
        policy.maxPayloadSize !== false &&
        !(Number.isInteger(policy.maxPayloadSize) && policy.maxPayloadSize > 0)) {
        problems.push(`${where} has maxPayloadSize ${String(policy.maxPayloadSize)}: give a whole number of bytes > 0 (or false for none)`);
    }
    for (const flag of ['idempotent', 'validatePayloads', 'validateResponses']) {
        if (policy[flag] !== undefined && typeof policy[flag] !== 'boolean') {
            problems.push(`${where} has ${flag} ${String(policy[flag])}: give true or false`);
        }
    }
    const retry = policy.retry;
    if (retry !== undefined) {
        if (retry.maxAttempts !== undefined &&
            (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1)) {
            problems.push(`${where} has retry.maxAttempts ${String(retry.maxAttempts)}: give a whole number >= 1 (1 means no retry)`);
        }
        if (retry.baseDelay !== undefined && (typeof retry.baseDelay !== 'number' || !(retry.baseDelay >= 0))) {
            problems.push(`${where} has retry.baseDelay ${String(retry.baseDelay)}: give milliseconds >= 0`);
        }
        if (retry.maxDelay !== undefined && (typeof retry.maxDelay !== 'number' || !(retry.maxDelay >= 0))) {
            problems.push(`${where} has retry.maxDelay ${String(retry.maxDelay)}: give milliseconds >= 0`);
        }
    }
    return problems;
}
/**
 * Full-jitter exponential backoff: a random delay in [0, min(maxDelay, baseDelay * 2^(retry-1))).
 *
 * @param retry 1 for the first retry, 2 for the second...
 * @param random a source of numbers in [0, 1); `Math.random` by default.
 */
function backoffDelay(retry, policy, random = Math.random) {
    const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.min(retry - 1, 30));
    return Math.floor(random() * ceiling);
}
