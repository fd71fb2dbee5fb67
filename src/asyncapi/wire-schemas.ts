import { MessagingErrorCode } from '../errors/error-codes';
import { APP_KEY_PREFIX, MetadataKeys, MetadataLimits } from '../wire/metadata-keys';
import type { JsonSchema } from './asyncapi.types';

/** Component name of the metadata map's schema. @internal */
export const HEADERS_SCHEMA = 'MessagingMetadata';
/** Component name of the wire error's schema and message. @internal */
export const ERROR_SCHEMA = 'MessagingWireError';

const ID = { type: 'string', pattern: '^[A-Za-z0-9._:-]+$', minLength: 1, maxLength: MetadataLimits.maxIdLength };
const COUNT = { type: 'string', pattern: '^[0-9]+$' };

/**
 * The metadata map of docs/wire-format.md as a JSON Schema: the headers of
 * every message the library sends (NATS headers, AMQP headers, MQTT 5 user
 * properties; the packet's `metadata` field on TCP and Redis).
 * @internal
 */
export function metadataHeadersSchema(): JsonSchema {
  const property = (schema: object, description: string) => ({ ...schema, description });
  return {
    type: 'object',
    description:
      'The message metadata of nestjs-messaging (wire format 1): flat string keys and values. ' +
      `Application keys travel as '${APP_KEY_PREFIX}<key>'; a receiver ignores keys it does not know.`,
    properties: {
      [MetadataKeys.format]: property({ type: 'string', const: '1' }, 'Version of the wire format (absent means 1).'),
      [MetadataKeys.messageId]: property(ID, "The message's id; retries of one call keep it."),
      [MetadataKeys.correlationId]: property(ID, "The conversation's id, shared by every message of one request or saga."),
      [MetadataKeys.causationId]: property(ID, 'msg-id of the message whose handler sent this one.'),
      [MetadataKeys.sentAt]: property(COUNT, "When this attempt was sent: milliseconds since the Unix epoch, by the sender's clock."),
      [MetadataKeys.attempt]: property({ type: 'string', pattern: '^[1-9][0-9]*$' }, '1 for the first attempt of a call, 2 for its first retry...'),
      [MetadataKeys.payloadVersion]: property(
        { type: 'string', pattern: '^[1-9][0-9]*$' },
        "The payload's contract version; without it, the handler assumes the contract's assumed version.",
      ),
      [MetadataKeys.timeoutMs]: property(COUNT, "What is left of the caller's time budget, in milliseconds (requests only)."),
      [MetadataKeys.traceparent]: property({ type: 'string' }, 'W3C trace context of the sending span.'),
      [MetadataKeys.tracestate]: property({ type: 'string' }, 'W3C trace state, with traceparent.'),
    },
    propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: MetadataLimits.maxKeyLength },
    additionalProperties: { type: 'string', maxLength: MetadataLimits.maxValueLength },
    maxProperties: MetadataLimits.maxEntries,
  };
}

/** The headers of one version's messages: the metadata map, with that version in `msg-payload-version`. @internal */
export function versionHeadersSchema(version: number): JsonSchema {
  return {
    type: 'object',
    allOf: [{ $ref: `#/components/schemas/${HEADERS_SCHEMA}` }],
    properties: { [MetadataKeys.payloadVersion]: { type: 'string', const: String(version) } },
  };
}

/** The wire error (src/errors/wire-error.ts): what a failed request's caller receives in Nest's `err`. @internal */
export function wireErrorSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      "A failed request's error, in Nest's reply envelope ({ err, id, isDisposed }). " +
      'INVALID_ARGUMENT carries details.issues ([{ path, constraints }]); UNSUPPORTED_VERSION details { received, supported }.',
    properties: {
      code: { type: 'string', enum: Object.values(MessagingErrorCode) },
      message: { type: 'string' },
      details: {},
      retryable: { type: 'boolean' },
      pattern: { type: 'string' },
      correlationId: { type: 'string' },
    },
    required: ['code', 'message', 'retryable'],
  };
}
