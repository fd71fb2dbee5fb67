"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RetryBudget = void 0;
/**
 * gRPC's retry throttling: a token bucket that loses 1 token per failed
 * attempt and gains `tokenRatio` per successful one; retries are allowed only
 * while it holds more than half of `maxTokens`.
 * @internal
 */
class RetryBudget {
    maxTokens;
    tokenRatio;
    tokens;
    constructor(maxTokens, tokenRatio) {
        this.maxTokens = maxTokens;
        this.tokenRatio = tokenRatio;
        this.tokens = maxTokens;
    }
    /** Tokens left. */
    get available() {
        return this.tokens;
    }
    /** Whether a retry may be made now. */
    canRetry() {
        return this.tokens > this.maxTokens / 2;
    }
    /** Records a failed attempt. */
    onFailure() {
        this.tokens = Math.max(0, this.tokens - 1);
    }
    /** Records a successful attempt. */
    onSuccess() {
        this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
    }
}
exports.RetryBudget = RetryBudget;
