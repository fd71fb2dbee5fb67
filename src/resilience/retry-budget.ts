/**
 * gRPC's retry throttling: a token bucket that loses 1 token per failed
 * attempt and gains `tokenRatio` per successful one; retries are allowed only
 * while it holds more than half of `maxTokens`.
 * @internal
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    readonly maxTokens: number,
    readonly tokenRatio: number,
  ) {
    this.tokens = maxTokens;
  }

  /** Tokens left. */
  get available(): number {
    return this.tokens;
  }

  /** Whether a retry may be made now. */
  canRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }

  /** Records a failed attempt. */
  onFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  /** Records a successful attempt. */
  onSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }
}
