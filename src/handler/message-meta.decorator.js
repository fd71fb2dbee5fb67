"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageMeta = void 0;
const common_1 = require("@nestjs/common");
const rpc_context_util_1 = require("./rpc-context.util");
/**
 * Handler parameter: the {@link MessageMetadata} of the message being handled
 * (ids, attempt, payload version, application keys).
 *
 * @example
 * @MessageHandler(GetUser)
 * getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata) {}
 */
exports.MessageMeta = (0, common_1.createParamDecorator)((_, context) => (0, rpc_context_util_1.messageMetadataOf)(context));
