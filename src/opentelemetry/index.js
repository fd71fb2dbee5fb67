"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OpenTelemetryHttpModule = exports.OpenTelemetryHttpMiddleware = exports.OpenTelemetryInstrumentation = void 0;
/**
 * OpenTelemetry for nestjs-messaging: `import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry'`.
 * This entry, and only this one, loads `@opentelemetry/api` (an optional peer dependency).
 */
var opentelemetry_instrumentation_1 = require("./opentelemetry.instrumentation");
Object.defineProperty(exports, "OpenTelemetryInstrumentation", { enumerable: true, get: function () { return opentelemetry_instrumentation_1.OpenTelemetryInstrumentation; } });
var opentelemetry_http_middleware_1 = require("./opentelemetry-http.middleware");
Object.defineProperty(exports, "OpenTelemetryHttpMiddleware", { enumerable: true, get: function () { return opentelemetry_http_middleware_1.OpenTelemetryHttpMiddleware; } });
Object.defineProperty(exports, "OpenTelemetryHttpModule", { enumerable: true, get: function () { return opentelemetry_http_middleware_1.OpenTelemetryHttpModule; } });
