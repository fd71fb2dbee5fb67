/**
 * `nestjs-messaging/terminus`: health checks for `@nestjs/terminus` (an
 * optional peer dependency, loaded only through this entry).
 */
export { MessagingHealthIndicator, type MessagingHealthCheckOptions } from './messaging-health.indicator';
