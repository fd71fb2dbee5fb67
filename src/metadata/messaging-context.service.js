"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingContext = void 0;
const common_1 = require("@nestjs/common");
const message_context_1 = require("./message-context");
/**
 * Injectable access to the current message context, anywhere in the call
 * chain of a handled message or an HTTP request (no need to pass ids around).
 *
 * @example
 * constructor(private readonly messaging: MessagingContext) {}
 * audit() { return { correlationId: this.messaging.correlationId, tenant: this.messaging.app.tenant }; }
 */
let MessagingContext = class MessagingContext {
    /** The whole context, or `undefined` outside any. */
    get current() {
        return (0, message_context_1.getMessageContext)();
    }
    /** The correlation id of the current conversation, or `undefined` outside any context. */
    get correlationId() {
        return (0, message_context_1.getMessageContext)()?.correlationId;
    }
    /** The metadata of the message being handled, or `undefined` when not handling one. */
    get message() {
        return (0, message_context_1.getMessageContext)()?.message;
    }
    /** The application keys of the current context (empty outside any). */
    get app() {
        return (0, message_context_1.getMessageContext)()?.app ?? {};
    }
    /** Runs `fn` in a new context; see {@link runWithMessageContext}. */
    run(init, fn) {
        return (0, message_context_1.runWithMessageContext)(init, fn);
    }
};
exports.MessagingContext = MessagingContext;
exports.MessagingContext = MessagingContext = __decorate([
    (0, common_1.Injectable)()
], MessagingContext);
