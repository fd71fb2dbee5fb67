"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.getMessageContext = getMessageContext;
exports.runWithMessageContext = runWithMessageContext;
exports.timeLeft = timeLeft;
exports.runAsHandlerOf = runAsHandlerOf;
const node_async_hooks_1 = require("node:async_hooks");
const message_metadata_1 = require("./message-metadata");
const messaging_errors_1 = require("../errors/messaging.errors");
const storage = new node_async_hooks_1.AsyncLocalStorage();
/** The message context active here, if any. */
function getMessageContext() {
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
function runWithMessageContext(init, fn) {
    if (init.correlationId !== undefined && !(0, message_metadata_1.isValidId)(init.correlationId)) {
        throw new messaging_errors_1.InvalidMetadataError('correlationId must be at most 128 characters of A-Z a-z 0-9 . _ : -');
    }
    const app = init.app ?? {};
    (0, message_metadata_1.assertValidAppMetadata)(app);
    if (init.timeout !== undefined && !(typeof init.timeout === 'number' && init.timeout > 0)) {
        throw new messaging_errors_1.InvalidMetadataError('timeout must be a positive number of milliseconds');
    }
    const parentDeadline = storage.getStore()?.deadline;
    const own = init.timeout === undefined ? undefined : performance.now() + init.timeout;
    const deadline = own === undefined ? parentDeadline : parentDeadline === undefined ? own : Math.min(own, parentDeadline);
    return storage.run({ correlationId: init.correlationId ?? (0, message_metadata_1.newId)(), app: Object.freeze({ ...app }), deadline }, fn);
}
/** Milliseconds left until the current context's deadline; `undefined` when it has none. */
function timeLeft() {
    const deadline = storage.getStore()?.deadline;
    return deadline === undefined ? undefined : deadline - performance.now();
}
/**
 * Runs `fn` in the context of a handled message (used by the handler side).
 * @param deadline on `performance.now()`'s clock, from the message's `timeoutMs`.
 * @internal
 */
function runAsHandlerOf(message, fn, deadline) {
    return storage.run({ correlationId: message.correlationId, app: message.app, message, deadline }, fn);
}
