import type { MessagingError, MessagePattern } from '../errors/messaging.errors';
/** How retries are spaced and bounded. Retries only happen for calls marked {@link CallPolicy.idempotent}. */
export interface RetryOptions {
    /**
     * Most attempts, the first one included.
     * @default 3
     */
    maxAttempts?: number;
    /**
     * Base of the exponential backoff, in milliseconds: before retry n the
     * client waits a random time between 0 and min(maxDelay, baseDelay * 2^(n-1))
     * ("full jitter").
     * @default 100
     */
    baseDelay?: number;
    /**
     * Longest wait between two attempts, in milliseconds.
     * @default 2000
     */
    maxDelay?: number;
}
/** What a retry hook receives. */
export interface RetryEvent {
    /** Name of the client. */
    readonly client: string;
    /** Pattern of the call. */
    readonly pattern: MessagePattern;
    /** Message id, the same on every attempt. */
    readonly messageId: string;
    /** Correlation id of the call. */
    readonly correlationId: string;
    /** The attempt that failed (1-based). */
    readonly attempt: number;
    /** Its error. */
    readonly error: MessagingError;
    /** Milliseconds until the next attempt (only for `onRetry`). */
    readonly delay?: number;
}
/** The call policy: time budget and retries. Set it for the module, a client or one call. */
export interface CallPolicy {
    /**
     * Budget of the whole call in milliseconds, retries and backoff included. The
     * caller gets a result or an error within it. `false` means no budget at
     * all: the call may hang forever, as a plain ClientProxy call does.
     * @default 5000
     */
    timeout?: number | false;
    /**
     * Budget of one attempt in milliseconds; an attempt that exceeds it fails
     * with a retryable timeout and, for idempotent calls, is retried while the
     * call's budget lasts. `false`: attempts are bounded by `timeout` only.
     * @default false
     */
    attemptTimeout?: number | false;
    /**
     * Marks the call safe to repeat. Only idempotent calls are retried, and only
     * after retryable failures: a connection failure, an attempt timeout, or a
     * remote error that says `retryable: true`. Business and validation errors
     * never are.
     * @default false
     */
    idempotent?: boolean;
    /** Backoff and attempt limits. */
    retry?: RetryOptions;
    /**
     * With a contract: validate the payload against the DTO of its version
     * before sending; an invalid payload fails with ContractViolationError and is
     * not sent.
     * @default false (the handler validates anyway)
     */
    validatePayloads?: boolean;
    /**
     * With a contract that names a response class: turn each reply into an
     * instance of it and validate it; an invalid reply fails the call with
     * ContractViolationError.
     * @default false
     */
    validateResponses?: boolean;
    /**
     * Largest payload the client sends, in bytes of UTF-8 JSON; a larger one
     * fails with MessagingPayloadTooLargeError (RESOURCE_EXHAUSTED) and is not
     * sent. Measuring costs one `JSON.stringify` of the payload per call.
     * `false`: no limit (Nest's TCP framing still refuses frames over its
     * `maxBufferSize`, by closing the connection).
     * @default false
     */
    maxPayloadSize?: number | false;
    /** Called before each retry. Errors it throws are ignored. */
    onRetry?: (event: RetryEvent) => void;
    /** Called when a call fails for good after more than one attempt. Errors it throws are ignored. */
    onGiveUp?: (event: RetryEvent) => void;
}
/** A policy with every field decided. @internal */
export interface ResolvedPolicy {
    readonly timeout: number | false;
    readonly attemptTimeout: number | false;
    readonly idempotent: boolean;
    readonly maxAttempts: number;
    readonly baseDelay: number;
    readonly maxDelay: number;
    readonly validatePayloads: boolean;
    readonly validateResponses: boolean;
    readonly maxPayloadSize: number | false;
    readonly onRetry?: (event: RetryEvent) => void;
    readonly onGiveUp?: (event: RetryEvent) => void;
}
/** The library's defaults. */
export declare const DEFAULT_CALL_POLICY: ResolvedPolicy;
/** Lays `override` over `base`. @internal */
export declare function mergePolicy(base: ResolvedPolicy, override: CallPolicy | undefined): ResolvedPolicy;
/**
 * Checks a policy and returns a list of problems, each saying what to do.
 * @internal
 */
export declare function checkPolicy(where: string, policy: CallPolicy | undefined): string[];
/**
 * Full-jitter exponential backoff: a random delay in [0, min(maxDelay, baseDelay * 2^(retry-1))).
 *
 * @param retry 1 for the first retry, 2 for the second...
 * @param random a source of numbers in [0, 1); `Math.random` by default.
 */
export declare function backoffDelay(retry: number, policy: Pick<ResolvedPolicy, 'baseDelay' | 'maxDelay'>, random?: () => number): number;
