"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageHandler = MessageHandler;
exports.EventHandler = EventHandler;
const common_1 = require("@nestjs/common");
const microservices_1 = require("@nestjs/microservices");
const message_contract_1 = require("../contract/message-contract");
const messaging_errors_1 = require("../errors/messaging.errors");
const handler_options_1 = require("./handler.options");
const handler_options_validate_1 = require("../resilience/handler-options.validate");
const messaging_exception_filter_1 = require("./messaging-exception.filter");
const messaging_interceptor_1 = require("./messaging.interceptor");
/**
 * A request-response handler: Nest's `@MessagePattern` plus the library's
 * interceptor (message context; with a contract, a validated, upcast DTO as
 * payload) and exception filter (the structured wire error). Guards, pipes,
 * interceptors and filters of your own keep working, also in hybrid apps
 * without `inheritAppConfig`.
 *
 * @param target a contract made by `defineMessage`, or a plain Nest pattern.
 * @example
 * @MessageHandler(GetUser)
 * getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata): UserDto {}
 */
function MessageHandler(target, options = {}) {
    if ((0, message_contract_1.isContract)(target) && target.kind !== 'message') {
        throw new messaging_errors_1.MessagingConfigurationError(`@MessageHandler needs a message contract (defineMessage); use @EventHandler for events`);
    }
    if (options.dedupe) {
        throw new messaging_errors_1.MessagingConfigurationError('@MessageHandler does not take dedupe: it is for @EventHandler (make request handlers idempotent instead)');
    }
    return handlerDecorators(target, options, 'request', (pattern, transport) => transport === undefined ? (0, microservices_1.MessagePattern)(pattern) : (0, microservices_1.MessagePattern)(pattern, transport));
}
/**
 * An event handler: Nest's `@EventPattern` plus the library's interceptor and
 * exception filter (see {@link MessageHandler}). An invalid event is logged
 * with its correlation id and not handled.
 *
 * @param target a contract made by `defineEvent`, or a plain Nest pattern.
 * @example
 * @EventHandler(UserCreated)
 * onUserCreated(@Payload() event: UserCreatedV1) {}
 */
function EventHandler(target, options = {}) {
    if ((0, message_contract_1.isContract)(target) && target.kind !== 'event') {
        throw new messaging_errors_1.MessagingConfigurationError(`@EventHandler needs an event contract (defineEvent); use @MessageHandler for messages`);
    }
    return handlerDecorators(target, options, 'event', (pattern, transport) => transport === undefined ? (0, microservices_1.EventPattern)(pattern) : (0, microservices_1.EventPattern)(pattern, transport));
}
function handlerDecorators(target, { transport, ...handlerOptions }, kind, patternDecorator) {
    const contract = (0, message_contract_1.isContract)(target) ? target : undefined;
    const pattern = contract ? contract.pattern : target;
    const problems = (0, handler_options_validate_1.checkHandlerResilience)('handler options', handlerOptions);
    if (problems.length)
        throw new messaging_errors_1.MessagingConfigurationError(problems.join('; '));
    const decorators = [
        patternDecorator(pattern, transport),
        (0, common_1.UseInterceptors)(messaging_interceptor_1.MessagingInterceptor),
        (0, common_1.UseFilters)(messaging_exception_filter_1.MessagingExceptionFilter),
        (0, common_1.SetMetadata)(handler_options_1.HANDLER_KIND_METADATA, kind),
    ];
    if (contract)
        decorators.push((0, common_1.SetMetadata)(handler_options_1.CONTRACT_METADATA, contract));
    if (Object.keys(handlerOptions).length)
        decorators.push((0, common_1.SetMetadata)(handler_options_1.HANDLER_OPTIONS_METADATA, handlerOptions));
    return (0, common_1.applyDecorators)(...decorators);
}
