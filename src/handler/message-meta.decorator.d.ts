/**
 * Handler parameter: the {@link MessageMetadata} of the message being handled
 * (ids, attempt, payload version, application keys).
 *
 * @example
 * @MessageHandler(GetUser)
 * getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata) {}
 */
export declare const MessageMeta: (...dataOrPipes: unknown[]) => ParameterDecorator;
