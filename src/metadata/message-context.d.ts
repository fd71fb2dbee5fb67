import { type AppMetadata, type MessageMetadata } from './message-metadata';
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
/** The message context active here, if any. */
export declare function getMessageContext(): MessageContextState | undefined;
/**
 * Runs `fn` in a new message context: every message sent from inside it, even
 * after an `await`, carries its correlation id and application keys. Use it
 * where no HTTP request or handled message opened one (a job, a CLI command).
 *
 * @throws InvalidMetadataError when the correlation id or an application key is invalid.
 * @example
 * await runWithMessageContext({ app: { tenant: 'acme' } }, () => client.request('ping', {}));
 */
export declare function runWithMessageContext<T>(init: MessageContextInit, fn: () => T): T;
/** Milliseconds left until the current context's deadline; `undefined` when it has none. */
export declare function timeLeft(): number | undefined;
/**
 * Runs `fn` in the context of a handled message (used by the handler side).
 * @param deadline on `performance.now()`'s clock, from the message's `timeoutMs`.
 * @internal
 */
export declare function runAsHandlerOf<T>(message: MessageMetadata, fn: () => T, deadline?: number): T;
