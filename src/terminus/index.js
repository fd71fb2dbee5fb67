"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingHealthIndicator = void 0;
/**
 * `nestjs-messaging/terminus`: health checks for `@nestjs/terminus` (an
 * optional peer dependency, loaded only through this entry).
 */
var messaging_health_indicator_1 = require("./messaging-health.indicator");
Object.defineProperty(exports, "MessagingHealthIndicator", { enumerable: true, get: function () { return messaging_health_indicator_1.MessagingHealthIndicator; } });
