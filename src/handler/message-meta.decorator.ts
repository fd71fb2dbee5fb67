import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getMessageContext } from '../metadata/message-context';
import { incomingMessageMetadata } from './messaging.interceptor';

/**
 * Handler parameter: the {@link MessageMetadata} of the message being handled
 * (ids, attempt, payload version, application keys).
 *
 * @example
 * @MessagePattern({ cmd: 'get_user' })
 * getUser(@Payload() dto: GetUser, @MessageMeta() meta: MessageMetadata) {}
 */
export const MessageMeta = createParamDecorator(
  (_: unknown, context: ExecutionContext) => getMessageContext()?.message ?? incomingMessageMetadata(context),
);
