"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CorrelationIdLogger = void 0;
const common_1 = require("@nestjs/common");
const message_context_1 = require("../metadata/message-context");
/**
 * Nest's ConsoleLogger with the correlation id of the current message
 * context (an HTTP request through {@link MessagingHttpModule}, a handled
 * message, or `runWithMessageContext`) on every line: after the context in
 * text mode (`[UsersService] [correlationId=...] message`), and as a
 * `correlationId` field in JSON mode (`json: true`). Lines written outside
 * any message context are unchanged.
 *
 * @example
 * const app = await NestFactory.create(AppModule, { logger: new CorrelationIdLogger() });
 * // or, JSON lines: new CorrelationIdLogger({ json: true })
 * // then, anywhere: new Logger(UsersService.name).log('user created')
 */
class CorrelationIdLogger extends common_1.ConsoleLogger {
    /** Adds `[correlationId=...]` after the context of a text line. */
    formatContext(context) {
        const correlationId = (0, message_context_1.getMessageContext)()?.correlationId;
        const base = super.formatContext(context);
        return correlationId === undefined ? base : `${base}[correlationId=${correlationId}] `;
    }
    /** Adds a `correlationId` field to a JSON line. */
    getJsonLogObject(message, options) {
        const logObject = super.getJsonLogObject(message, options);
        const correlationId = (0, message_context_1.getMessageContext)()?.correlationId;
        return correlationId === undefined ? logObject : Object.assign(logObject, { correlationId });
    }
}
exports.CorrelationIdLogger = CorrelationIdLogger;
