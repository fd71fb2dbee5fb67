import {
  Module,
  type DynamicModule,
  type InjectionToken,
  type MiddlewareConsumer,
  type ModuleMetadata,
  type NestModule,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { CorrelationIdMiddleware } from './correlation-id.middleware';
import { CORRELATION_ID_OPTIONS, resolveCorrelationIdOptions, type CorrelationIdOptions } from './correlation-id.options';

/** Options of {@link MessagingHttpModule.forRootAsync}: a factory of {@link CorrelationIdOptions} with injected dependencies. */
export interface MessagingHttpModuleAsyncOptions {
  /** Modules that export what `inject` names. */
  imports?: ModuleMetadata['imports'];
  /** Providers passed to `useFactory`, in order (e.g. nestjs-cls's `ClsService`). */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Makes the options. */
  useFactory: (...args: never[]) => CorrelationIdOptions | Promise<CorrelationIdOptions>;
}

/**
 * The HTTP entry: applies {@link CorrelationIdMiddleware} to every route of
 * the application, so that each request runs in a message context whose
 * correlation id comes from the request header (or is made) and is echoed on
 * the response, with an optional time budget per request. Works on the
 * Express and Fastify adapters.
 *
 * @example
 * @Module({
 *   imports: [
 *     MessagingHttpModule.forRoot({ header: 'x-request-id', requestTimeout: { max: 30_000, default: 10_000 } }),
 *     MessagingModule.forRoot({ clients }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({})
export class MessagingHttpModule implements NestModule {
  /**
   * Registers the middleware for all routes.
   * @throws MessagingConfigurationError when a header name or a budget is invalid.
   */
  static forRoot(options: CorrelationIdOptions = {}): DynamicModule {
    return {
      module: MessagingHttpModule,
      providers: [{ provide: CORRELATION_ID_OPTIONS, useValue: resolveCorrelationIdOptions(options) }, CorrelationIdMiddleware],
      exports: [CORRELATION_ID_OPTIONS, CorrelationIdMiddleware],
    };
  }

  /**
   * Like {@link MessagingHttpModule.forRoot}, with options made by a factory
   * that may inject providers (checked when the module is built).
   *
   * @example
   * MessagingHttpModule.forRootAsync({
   *   inject: [ClsService],
   *   useFactory: (cls: ClsService) => ({ correlationIdFrom: () => cls.getId() }),
   * })
   */
  static forRootAsync(options: MessagingHttpModuleAsyncOptions): DynamicModule {
    const factory = options.useFactory as (...args: unknown[]) => CorrelationIdOptions | Promise<CorrelationIdOptions>;
    return {
      module: MessagingHttpModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: CORRELATION_ID_OPTIONS,
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) => resolveCorrelationIdOptions(await factory(...args)),
        },
        CorrelationIdMiddleware,
      ],
      exports: [CORRELATION_ID_OPTIONS, CorrelationIdMiddleware],
    };
  }

  /** Applied by Nest. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationIdMiddleware).forRoutes('*');
  }
}
