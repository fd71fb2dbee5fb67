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
exports.MessagingInterceptor = void 0;
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const rxjs_1 = require("rxjs");
const error_codes_1 = require("../errors/error-codes");
const messaging_errors_1 = require("../errors/messaging.errors");
const observers_1 = require("../instrumentation/observers");
const contract_codec_1 = require("../contract/contract-codec");
const message_context_1 = require("../metadata/message-context");
const messaging_constants_1 = require("../messaging.constants");
const handler_options_1 = require("./handler.options");
const handler_guard_1 = require("../resilience/handler-guard");
const rpc_context_util_1 = require("./rpc-context.util");
/** The argument arrays (one per handled message) that an outer MessagingInterceptor already took. */
const intercepted = new WeakSet();
/**
 * Runs each handled message in its message context: calls and events made
 * while handling carry the same correlation id and this message's id as
 * their causation id; a message from a plain Nest client gets a fresh
 * correlation id. On handlers with a contract (`@MessageHandler(contract)`), it
 * also turns the payload into a validated instance of the contract's current
 * DTO, upcasting older versions, before the handler (and its pipes) run.
 *
 * `@MessageHandler` / `@EventHandler` attach it. To use it on plain
 * `@MessagePattern` handlers, attach it per controller or handler
 * (`@UseInterceptors(MessagingInterceptor)`): in a hybrid app, global
 * interceptors do not run on microservice handlers unless `inheritAppConfig` is true.
 */
let MessagingInterceptor = class MessagingInterceptor {
    options;
    reflector = new core_1.Reflector();
    /** What the decorators said about each handler, read once per handler instead of once per message. */
    handlers = new WeakMap();
    logger = new common_1.Logger('MessagingHandler');
    // resilience: in-flight hold (graceful shutdown), maxPayloadSize, event dedupe
    guards = new handler_guard_1.HandlerGuards();
    instruments;
    constructor(options) {
        this.options = options;
        this.instruments = options?.instrumentation?.some((i) => i.startHandler) ? options.instrumentation : undefined;
    }
    intercept(context, next) {
        if (context.getType() !== 'rpc')
            return next.handle();
        // Attached twice (class and method, or decorator and class)? The outer one does the work.
        const args = context.getArgs();
        if (intercepted.has(args))
            return next.handle();
        intercepted.add(args);
        const receivedAt = performance.now();
        const metadata = (0, rpc_context_util_1.messageMetadataOf)(context);
        const deadline = metadata.timeoutMs === undefined ? undefined : receivedAt + metadata.timeoutMs;
        const handler = context.getHandler();
        const { contract, unknownProperties, kind, options: handlerOptions } = this.settingsOf(handler);
        const fields = {
            pattern: contract?.pattern,
            correlationId: metadata.correlationId,
            messageId: metadata.messageId,
        };
        if (contract?.kind === 'event' && contract.ttl !== undefined && metadata.sentAt !== undefined) {
            const age = Date.now() - metadata.sentAt;
            if (age > contract.ttl) {
                this.logger.warn(`dropped event ${JSON.stringify(contract.pattern)}: ${age} ms old, past its contract's ttl of ${contract.ttl} ms ` +
                    `[correlationId=${metadata.correlationId} messageId=${metadata.messageId}]`);
                return rxjs_1.EMPTY;
            }
        }
        const expired = () => deadline !== undefined && performance.now() >= deadline
            ? new messaging_errors_1.MessagingError(`the deadline of this request passed before its handler started (budget ${metadata.timeoutMs} ms)`, error_codes_1.MessagingErrorCode.DEADLINE_EXCEEDED, false, fields)
            : undefined;
        // Subscribes `out` to the handler: deadline check, contract decoding, then the handler itself.
        const execute = (out) => {
            const late = expired();
            if (late)
                return out.error(late);
            if (!contract)
                return next.handle().subscribe(out);
            const subscription = new rxjs_1.Subscription();
            (0, contract_codec_1.decodePayload)(contract, args[0], metadata.payloadVersion, { unknownProperties }, fields).then((dto) => {
                if (out.closed)
                    return;
                const lateNow = expired();
                if (lateNow)
                    return out.error(lateNow);
                // The handler (and its pipes) read the payload from this array.
                args[0] = dto;
                subscription.add(next.handle().subscribe(out));
            }, (err) => out.error(err));
            return subscription;
        };
        // resilience: payload size, event dedupe, in-flight tracking for graceful shutdown (no wrapper when none is on)
        const guard = (source) => this.guards.guard(source, this.guards.resolve(handler, kind === 'event', handlerOptions, this.options?.handlers), args[0], metadata, `${context.getClass().name}.${handler.name}`, fields, this.logger);
        const instruments = this.instruments;
        if (!instruments) {
            return guard(new rxjs_1.Observable((subscriber) => (0, message_context_1.runAsHandlerOf)(metadata, () => execute(subscriber), deadline)));
        }
        return guard(new rxjs_1.Observable((subscriber) => {
            const observer = (0, observers_1.startHandler)(instruments, {
                kind: contract?.kind === 'event' ? 'event' : kind,
                destination: contract ? (0, messaging_errors_1.describePattern)(contract.pattern) : ((0, rpc_context_util_1.patternOf)(context) ?? '(unknown)'),
                metadata,
            });
            if (!observer)
                return (0, message_context_1.runAsHandlerOf)(metadata, () => execute(subscriber), deadline);
            const observed = new rxjs_1.Subscriber({
                next: (v) => subscriber.next(v),
                error: (e) => {
                    observer.end(e);
                    subscriber.error(e);
                },
                complete: () => {
                    observer.end();
                    subscriber.complete();
                },
            });
            subscriber.add(observed);
            return observer.run(() => (0, message_context_1.runAsHandlerOf)(metadata, () => execute(observed), deadline));
        }));
    }
    settingsOf(handler) {
        let settings = this.handlers.get(handler);
        if (!settings) {
            const contract = this.reflector.get(handler_options_1.CONTRACT_METADATA, handler);
            const options = this.reflector.get(handler_options_1.HANDLER_OPTIONS_METADATA, handler);
            settings = {
                contract,
                options,
                unknownProperties: options?.unknownProperties ?? this.options?.handlers?.unknownProperties ?? 'reject',
                kind: this.reflector.get(handler_options_1.HANDLER_KIND_METADATA, handler) ?? 'request',
            };
            this.handlers.set(handler, settings);
        }
        return settings;
    }
};
exports.MessagingInterceptor = MessagingInterceptor;
exports.MessagingInterceptor = MessagingInterceptor = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Optional)()),
    __param(0, (0, common_1.Inject)(messaging_constants_1.MESSAGING_MODULE_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], MessagingInterceptor);
