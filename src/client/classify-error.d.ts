import { MessagingError, type MessagingErrorFields } from '../errors/messaging.errors';
/**
 * Turns whatever a ClientProxy call failed with into a {@link MessagingError}:
 * local `Error`s are transport failures, anything else is what the remote
 * handler sent.
 * @internal
 */
export declare function classifyError(err: unknown, fields: MessagingErrorFields): MessagingError;
