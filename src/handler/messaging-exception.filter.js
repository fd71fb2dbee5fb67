"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingExceptionFilter = void 0;
const common_1 = require("@nestjs/common");
const rxjs_1 = require("rxjs");
const wire_error_1 = require("../errors/wire-error");
const message_context_1 = require("../metadata/message-context");
const messaging_constants_1 = require("../messaging.constants");
const rpc_context_util_1 = require("./rpc-context.util");
/**
 * Turns whatever a handler (or its guards, pipes, interceptors) threw into the
 * library's wire error `{ code, message, details?, retryable, pattern, correlationId }`,
 * and logs unexpected errors once, with the correlation id. `@MessageHandler`
 * and `@EventHandler` attach it; attach it yourself with `@UseFilters(MessagingExceptionFilter)`.
 */
let MessagingExceptionFilter = class MessagingExceptionFilter {
    options;
    logger = new common_1.Logger('MessagingHandler');
    constructor(options) {
        this.options = options;
    }
    catch(exception, host) {
        const correlationId = (0, message_context_1.getMessageContext)()?.correlationId ?? (0, rpc_context_util_1.messageMetadataOf)(host).correlationId;
        const pattern = (0, rpc_context_util_1.patternOf)(host);
        const failure = (0, wire_error_1.toWireError)(exception, {
            pattern,
            correlationId,
            exposeErrors: this.options?.handlers?.exposeErrors ?? false,
        });
        if (failure.unexpected) {
            const err = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
            this.logger.error(`handler of ${pattern ?? '(unknown pattern)'} failed [correlationId=${correlationId}]: ${err}`);
        }
        return (0, rxjs_1.throwError)(() => failure.payload);
    }
};
exports.MessagingExceptionFilter = MessagingExceptionFilter;
exports.MessagingExceptionFilter = MessagingExceptionFilter = __decorate([
    (0, common_1.Catch)(),
    __param(0, (0, common_1.Optional)()),
    __param(0, (0, common_1.Inject)(messaging_constants_1.MESSAGING_MODULE_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], MessagingExceptionFilter);
