/**
 * OpenTelemetry for nestjs-messaging: `import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry'`.
 * This entry, and only this one, loads `@opentelemetry/api` (an optional peer dependency).
 */
export { OpenTelemetryInstrumentation, type OpenTelemetryInstrumentationOptions } from './opentelemetry.instrumentation';
export { OpenTelemetryHttpMiddleware, OpenTelemetryHttpModule, type OpenTelemetryHttpOptions, } from './opentelemetry-http.middleware';
