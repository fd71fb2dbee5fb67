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

/** A policy with every field decided (what `DEFAULT_CALL_POLICY` is). */
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
export const DEFAULT_CALL_POLICY: ResolvedPolicy = Object.freeze({
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
export function mergePolicy(base: ResolvedPolicy, override: CallPolicy | undefined): ResolvedPolicy {
  if (!override) return base;
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
export function checkPolicy(where: string, policy: CallPolicy | undefined): string[] {
  if (!policy) return [];
  const problems: string[] = [];
  const positive = (name: string, v: unknown, allowFalse: boolean) => {
    if (v === undefined || (allowFalse && v === false)) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      problems.push(
        `${where} has ${name} ${String(v)}: give a positive number of milliseconds${allowFalse ? ' (or false for none)' : ''}`,
      );
    }
  };
  positive('timeout', policy.timeout, true);
  positive('attemptTimeout', policy.attemptTimeout, true);
  if (
    policy.maxPayloadSize !== undefined &&
    policy.maxPayloadSize !== false &&
    !(Number.isInteger(policy.maxPayloadSize) && policy.maxPayloadSize > 0)
  ) {
    problems.push(`${where} has maxPayloadSize ${String(policy.maxPayloadSize)}: give a whole number of bytes > 0 (or false for none)`);
  }
  for (const flag of ['idempotent', 'validatePayloads', 'validateResponses'] as const) {
    if (policy[flag] !== undefined && typeof policy[flag] !== 'boolean') {
      problems.push(`${where} has ${flag} ${String(policy[flag])}: give true or false`);
    }
  }
  const retry = policy.retry;
  if (retry !== undefined) {
    if (
      retry.maxAttempts !== undefined &&
      (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1)
    ) {
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
export function backoffDelay(
  retry: number,
  policy: Pick<ResolvedPolicy, 'baseDelay' | 'maxDelay'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceiling);
}
