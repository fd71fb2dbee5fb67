import { MessagingPayloadTooLargeError, type MessagingErrorFields } from '../errors/messaging.errors';

/** Size of `data` as UTF-8 JSON, in bytes (0 when it cannot be serialized: the transport reports that). */
function jsonSize(data: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch {
    return 0; // not serializable: the transport reports it
  }
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/**
 * Checks a payload against a size limit in bytes of UTF-8 JSON. Costs one
 * `JSON.stringify` of the payload, so it only runs when a limit is set.
 * @returns the error to raise, or `undefined` when the payload fits.
 * @internal
 */
export function checkPayloadSize(
  data: unknown,
  limit: number | false | undefined,
  where: 'client' | 'handler',
  fields: MessagingErrorFields,
): MessagingPayloadTooLargeError | undefined {
  if (limit === undefined || limit === false) return undefined;
  const size = jsonSize(data);
  return size > limit ? new MessagingPayloadTooLargeError(size, limit, where, fields) : undefined;
}
