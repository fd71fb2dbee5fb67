/* Code of docs/observability.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
// #region otel-module
import { Transport } from '@nestjs/microservices';
import { MessagingModule } from 'nestjs-messaging';
import { OpenTelemetryInstrumentation } from 'nestjs-messaging/opentelemetry';

export const messaging = MessagingModule.forRoot({
  isGlobal: true, // the handlers' interceptor reads the instrumentation from the module's options
  clients: [{ name: 'users', transport: Transport.TCP, options: { port: 3001 } }],
  instrumentation: [new OpenTelemetryInstrumentation()], // global tracer and meter providers by default
});
// #endregion otel-module

import { Module } from '@nestjs/common';
import { ClsModule, ClsServiceManager } from 'nestjs-cls';
import { MessagingHttpModule } from 'nestjs-messaging';

@Module({
  // #region cls-module
  imports: [
    ClsModule.forRoot({ global: true, middleware: { mount: true, generateId: true } }),
    MessagingHttpModule.forRoot({ correlationIdFrom: () => ClsServiceManager.getClsService().getId() }),
  ],
  // #endregion cls-module
})
export class ClsAppModule {}
