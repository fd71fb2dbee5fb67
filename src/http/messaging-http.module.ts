import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CorrelationIdMiddleware } from './correlation-id.middleware';
import { CORRELATION_ID_OPTIONS, resolveCorrelationIdOptions, type CorrelationIdOptions } from './correlation-id.options';

/**
 * The HTTP entry: applies {@link CorrelationIdMiddleware} to every route of
 * the application, so that each request runs in a message context whose
 * correlation id comes from the request header (or is made) and is echoed on
 * the response. Works on the Express and Fastify adapters.
 *
 * @example
 * @Module({ imports: [MessagingHttpModule.forRoot({ header: 'x-request-id' }), MessagingModule.forRoot({ clients })] })
 * export class AppModule {}
 */
@Module({})
export class MessagingHttpModule implements NestModule {
  /**
   * Registers the middleware for all routes.
   * @throws MessagingConfigurationError when `header` is not a valid HTTP header name.
   */
  static forRoot(options: CorrelationIdOptions = {}): DynamicModule {
    return {
      module: MessagingHttpModule,
      providers: [{ provide: CORRELATION_ID_OPTIONS, useValue: resolveCorrelationIdOptions(options) }, CorrelationIdMiddleware],
      exports: [CORRELATION_ID_OPTIONS, CorrelationIdMiddleware],
    };
  }

  /** @internal Applied by Nest. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationIdMiddleware).forRoutes('*');
  }
}
