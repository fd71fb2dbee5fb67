"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MESSAGING_MODULE_OPTIONS = void 0;
exports.getMessagingClientToken = getMessagingClientToken;
/** Injection token of the resolved {@link MessagingModuleOptions}. */
exports.MESSAGING_MODULE_OPTIONS = Symbol('nestjs-messaging:options');
/**
 * The injection token of the MessagingClient named `name`.
 *
 * @example
 * const users = app.get<MessagingClient>(getMessagingClientToken('users'));
 */
function getMessagingClientToken(name) {
    return `nestjs-messaging:client:${name}`;
}
