import type { ArgumentsHost } from '@nestjs/common';
import { type MessageMetadata } from '../metadata/message-metadata';
/**
 * The decoded metadata of the message an RPC host handles. Decoded once per
 * message (the RPC context object is one per message), so guards, the
 * interceptor, parameter decorators and the exception filter see the same ids,
 * even the fresh ones made for a message that carried none.
 * @internal
 */
export declare function messageMetadataOf(host: ArgumentsHost): MessageMetadata;
/** The pattern (or subject, topic) an RPC host handles, as text, if the transport's context tells it. @internal */
export declare function patternOf(host: ArgumentsHost): string | undefined;
