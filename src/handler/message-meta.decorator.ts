import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { metadataOf } from './inbound-of';

/**
 * Handler parameter: the {@link MessageMetadata} of the message being handled
 * (ids, attempt, payload version, budget, application keys).
 *
 * @example
 * @MessageHandler(GetUser)
 * getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata) {}
 */
export const MessageMeta = createParamDecorator((_: unknown, context: ExecutionContext) => metadataOf(context));
