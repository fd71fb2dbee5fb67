"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.InjectMessagingClient = InjectMessagingClient;
const common_1 = require("@nestjs/common");
const messaging_constants_1 = require("./messaging.constants");
/**
 * Injects the MessagingClient named `name`.
 *
 * @example
 * constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}
 */
function InjectMessagingClient(name) {
    return (0, common_1.Inject)((0, messaging_constants_1.getMessagingClientToken)(name));
}
