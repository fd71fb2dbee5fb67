"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var MessagingHttpModule_1;
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingHttpModule = void 0;
const common_1 = require("@nestjs/common");
const correlation_id_middleware_1 = require("./correlation-id.middleware");
const correlation_id_options_1 = require("./correlation-id.options");
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
let MessagingHttpModule = MessagingHttpModule_1 = class MessagingHttpModule {
    /**
     * Registers the middleware for all routes.
     * @throws MessagingConfigurationError when a header name or a budget is invalid.
     */
    static forRoot(options = {}) {
        return {
            module: MessagingHttpModule_1,
            providers: [{ provide: correlation_id_options_1.CORRELATION_ID_OPTIONS, useValue: (0, correlation_id_options_1.resolveCorrelationIdOptions)(options) }, correlation_id_middleware_1.CorrelationIdMiddleware],
            exports: [correlation_id_options_1.CORRELATION_ID_OPTIONS, correlation_id_middleware_1.CorrelationIdMiddleware],
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
    static forRootAsync(options) {
        const factory = options.useFactory;
        return {
            module: MessagingHttpModule_1,
            imports: options.imports ?? [],
            providers: [
                {
                    provide: correlation_id_options_1.CORRELATION_ID_OPTIONS,
                    inject: options.inject ?? [],
                    useFactory: async (...args) => (0, correlation_id_options_1.resolveCorrelationIdOptions)(await factory(...args)),
                },
                correlation_id_middleware_1.CorrelationIdMiddleware,
            ],
            exports: [correlation_id_options_1.CORRELATION_ID_OPTIONS, correlation_id_middleware_1.CorrelationIdMiddleware],
        };
    }
    /** @internal Applied by Nest. */
    configure(consumer) {
        consumer.apply(correlation_id_middleware_1.CorrelationIdMiddleware).forRoutes('*');
    }
};
exports.MessagingHttpModule = MessagingHttpModule;
exports.MessagingHttpModule = MessagingHttpModule = MessagingHttpModule_1 = __decorate([
    (0, common_1.Module)({})
], MessagingHttpModule);
