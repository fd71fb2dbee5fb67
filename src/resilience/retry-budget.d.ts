/**
 * gRPC's retry throttling: a token bucket that loses 1 token per failed
 * attempt and gains `tokenRatio` per successful one; retries are allowed only
 * while it holds more than half of `maxTokens`.
 * @internal
 */
export declare class RetryBudget {
    readonly maxTokens: number;
    readonly tokenRatio: number;
    private tokens;
    constructor(maxTokens: number, tokenRatio: number);
    /** Tokens left. */
    get available(): number;
    /** Whether a retry may be made now. */
    canRetry(): boolean;
    /** Records a failed attempt. */
    onFailure(): void;
    /** Records a successful attempt. */
    onSuccess(): void;
}
