"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.RequestTimeoutInterceptor = exports.REQUEST_TIMEOUT_METADATA = void 0;
exports.RequestTimeout = RequestTimeout;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const rxjs_1 = require("rxjs");
const messaging_errors_1 = require("../errors/messaging.errors");
const message_context_1 = require("../metadata/message-context");
/** Route metadata key of {@link RequestTimeout}. @internal */
exports.REQUEST_TIMEOUT_METADATA = 'nestjs-messaging:request-timeout';
/**
 * Runs an HTTP route (or every route of a controller) under a time budget:
 * every call made while serving it gets at most what is left of `ms`. It
 * opens a nested message context with the same correlation id and
 * application keys, so a shorter budget from the request (the
 * `requestTimeout` header of {@link MessagingHttpModule}) still wins: the
 * earliest deadline applies. A budget on the method overrides the
 * controller's. Only HTTP routes are affected; on message handlers the
 * sender's deadline already applies.
 *
 * A call that runs out of budget fails with `DEADLINE_EXCEEDED`
 * (`MessagingHttpExceptionFilter` answers 504).
 *
 * @param ms budget in milliseconds, a positive number.
 * @throws MessagingConfigurationError when `ms` is not a positive number (when the class is decorated).
 * @example
 * @Get(':id')
 * @RequestTimeout(2000)
 * get(@Param('id') id: string) { return this.users.request(GetUser, { id }); }
 */
function RequestTimeout(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
        throw new messaging_errors_1.MessagingConfigurationError(`@RequestTimeout(${String(ms).slice(0, 40)}): give a positive number of milliseconds`);
    }
    return (0, common_1.applyDecorators)((0, common_1.SetMetadata)(exports.REQUEST_TIMEOUT_METADATA, ms), (0, common_1.UseInterceptors)(RequestTimeoutInterceptor));
}
/**
 * The interceptor behind {@link RequestTimeout}: runs the route in a nested
 * message context whose deadline is the route's budget (or the request's,
 * if earlier). Attached by the decorator; there is no need to register it.
 */
let RequestTimeoutInterceptor = class RequestTimeoutInterceptor {
    reflector = new core_1.Reflector();
    /** Opens the nested context when the route has a budget. */
    intercept(context, next) {
        if (context.getType() !== 'http')
            return next.handle();
        const ms = this.reflector.getAllAndOverride(exports.REQUEST_TIMEOUT_METADATA, [
            context.getHandler(),
            context.getClass(),
        ]);
        if (ms === undefined)
            return next.handle();
        return new rxjs_1.Observable((subscriber) => {
            const current = (0, message_context_1.getMessageContext)();
            // next.handle() binds the handler to the async context it is called in: call it inside.
            return (0, message_context_1.runWithMessageContext)({ correlationId: current?.correlationId, app: current?.app, timeout: ms }, () => next.handle().subscribe(subscriber));
        });
    }
};
exports.RequestTimeoutInterceptor = RequestTimeoutInterceptor;
exports.RequestTimeoutInterceptor = RequestTimeoutInterceptor = __decorate([
    (0, common_1.Injectable)()
], RequestTimeoutInterceptor);
