import type { MessagingErrorFields } from '../errors/messaging.errors';
import { MessagingPayloadTooLargeError } from './resilience.errors';
/**
 * Checks a payload against a size limit in bytes of UTF-8 JSON. Costs one
 * `JSON.stringify` of the payload, so it only runs when a limit is set.
 * @returns the error to raise, or `undefined` when the payload fits.
 * @internal
 */
export declare function checkPayloadSize(data: unknown, limit: number | false | undefined, where: 'client' | 'handler', fields: MessagingErrorFields): MessagingPayloadTooLargeError | undefined;
