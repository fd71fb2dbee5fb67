import { AsyncLocalStorage } from 'node:async_hooks';
import { assertValidAppMetadata, isValidId, newId, type AppMetadata, type MessageMetadata } from './message-metadata';
import { InvalidMetadataError } from '../errors/messaging.errors';

/**
 * What flows with the async context: the conversation's correlation id, the
 * message being handled (if any) and the application keys. Every message sent
 * inside it carries these.
 */
export interface MessageContextState {
  /** Correlation id that every message sent in this context carries. */
  readonly correlationId: string;
  /** Application keys (a tenant, a locale) that every message sent in this context carries. */
  readonly app: AppMetadata;
  /** The message being handled, when this context was opened by a handler. Its `messageId` becomes the causation id of what is sent. */
  readonly message?: MessageMetadata;
  /**
   * When the work of this context must be done, on this process's monotonic
   * clock (`performance.now()`). Calls made in the context get at most the time
   * left; none is sent once it has passed.
   */
  readonly deadline?: number;
}

/** What {@link runWithMessageContext} takes: everything is optional. */
export interface MessageContextInit {
  /** Correlation id; a new one is made when absent. Must be a valid id (see docs/wire-format.md). */
  correlationId?: string;
  /** Application keys (without the `app-` prefix). */
  app?: Record<string, string>;
  /**
   * Time budget of the work, in milliseconds from now: every call made in the
   * context gets at most what is left of it (an HTTP request's budget, say).
   */
  timeout?: number;
}

const storage = new AsyncLocalStorage<MessageContextState>();

/** The message context active here, if any. */
export function getMessageContext(): MessageContextState | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` in a new message context: every message sent from inside it, even
 * after an `await`, carries its correlation id and application keys. Use it
 * where no HTTP request or handled message opened one (a job, a CLI command).
 *
 * @throws InvalidMetadataError when the correlation id or an application key is invalid.
 * @example
 * await runWithMessageContext({ app: { tenant: 'acme' } }, () => client.request('ping', {}));
 */
export function runWithMessageContext<T>(init: MessageContextInit, fn: () => T): T {
  if (init.correlationId !== undefined && !isValidId(init.correlationId)) {
    throw new InvalidMetadataError('correlationId must be at most 128 characters of A-Z a-z 0-9 . _ : -');
  }
  const app = init.app ?? {};
  assertValidAppMetadata(app);
  if (init.timeout !== undefined && !(typeof init.timeout === 'number' && init.timeout > 0)) {
    throw new InvalidMetadataError('timeout must be a positive number of milliseconds');
  }
  const parentDeadline = storage.getStore()?.deadline;
  const own = init.timeout === undefined ? undefined : performance.now() + init.timeout;
  const deadline = own === undefined ? parentDeadline : parentDeadline === undefined ? own : Math.min(own, parentDeadline);
  return storage.run(
    { correlationId: init.correlationId ?? newId(), app: Object.freeze({ ...app }), deadline },
    fn,
  );
}

/** Milliseconds left until the current context's deadline; `undefined` when it has none. */
export function timeLeft(): number | undefined {
  const deadline = storage.getStore()?.deadline;
  return deadline === undefined ? undefined : deadline - performance.now();
}

/**
 * Runs `fn` in the context of a handled message (used by the handler side).
 * @param deadline on `performance.now()`'s clock, from the message's `timeoutMs`.
 * @internal
 */
export function runAsHandlerOf<T>(message: MessageMetadata, fn: () => T, deadline?: number): T {
  return storage.run({ correlationId: message.correlationId, app: message.app, message, deadline }, fn);
}
