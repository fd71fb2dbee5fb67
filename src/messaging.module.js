"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var MessagingModule_1;
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingModule = void 0;
const common_1 = require("@nestjs/common");
const messaging_clients_1 = require("./messaging-clients");
const messaging_context_service_1 = require("./metadata/messaging-context.service");
const messaging_constants_1 = require("./messaging.constants");
const messaging_options_validate_1 = require("./messaging-options.validate");
const messaging_errors_1 = require("./errors/messaging.errors");
/**
 * Registers named {@link MessagingClient}s. Each module instance owns its
 * clients: two applications in one process share nothing.
 *
 * @example
 * MessagingModule.forRoot({
 *   defaults: { timeout: 3000 },
 *   clients: [{ name: 'users', transport: Transport.TCP, options: { port: 3001 } }],
 * })
 */
let MessagingModule = MessagingModule_1 = class MessagingModule {
    /**
     * Registers the clients of `options`, checked now.
     * @throws MessagingConfigurationError listing every problem of the options.
     */
    static forRoot(options) {
        (0, messaging_options_validate_1.validateOptions)(options);
        const { isGlobal, imports, ...moduleOptions } = options;
        const clientProviders = options.clients.map((def) => 'useExisting' in def
            ? {
                provide: (0, messaging_constants_1.getMessagingClientToken)(def.name),
                useFactory: (clients, proxy) => clients.adopt(def.name, proxy),
                inject: [messaging_clients_1.MessagingClients, def.useExisting],
            }
            : clientProvider(def.name));
        return {
            module: MessagingModule_1,
            global: isGlobal ?? false,
            imports: imports ?? [],
            providers: [
                { provide: messaging_constants_1.MESSAGING_MODULE_OPTIONS, useValue: moduleOptions },
                messaging_clients_1.MessagingClients,
                messaging_context_service_1.MessagingContext,
                ...clientProviders,
            ],
            exports: [messaging_constants_1.MESSAGING_MODULE_OPTIONS, messaging_clients_1.MessagingClients, messaging_context_service_1.MessagingContext, ...clientProviders.map((p) => p.provide)],
        };
    }
    /**
     * Registers clients whose options are made at bootstrap (from a config
     * service, say). `clientNames` says which clients get an injection token;
     * the options are checked when the factory resolves.
     * @throws MessagingConfigurationError when neither useFactory, useClass nor useExisting is given.
     */
    static forRootAsync(options) {
        const names = options.clientNames ?? [];
        const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined);
        if (ways.length !== 1) {
            throw new messaging_errors_1.MessagingConfigurationError('MessagingModule.forRootAsync needs exactly one of useFactory, useClass or useExisting');
        }
        const optionsProvider = options.useFactory
            ? {
                provide: messaging_constants_1.MESSAGING_MODULE_OPTIONS,
                useFactory: async (...args) => checked(await options.useFactory(...args), names),
                inject: options.inject ?? [],
            }
            : {
                provide: messaging_constants_1.MESSAGING_MODULE_OPTIONS,
                useFactory: async (factory) => checked(await factory.createMessagingOptions(), names),
                inject: [options.useClass ?? options.useExisting],
            };
        const clientProviders = names.map(clientProvider);
        return {
            module: MessagingModule_1,
            global: options.isGlobal ?? false,
            imports: options.imports ?? [],
            providers: [
                optionsProvider,
                ...(options.useClass ? [options.useClass] : []),
                messaging_clients_1.MessagingClients,
                messaging_context_service_1.MessagingContext,
                ...clientProviders,
            ],
            exports: [messaging_constants_1.MESSAGING_MODULE_OPTIONS, messaging_clients_1.MessagingClients, messaging_context_service_1.MessagingContext, ...names.map(messaging_constants_1.getMessagingClientToken)],
        };
    }
};
exports.MessagingModule = MessagingModule;
exports.MessagingModule = MessagingModule = MessagingModule_1 = __decorate([
    (0, common_1.Module)({})
], MessagingModule);
function clientProvider(name) {
    return {
        provide: (0, messaging_constants_1.getMessagingClientToken)(name),
        useFactory: (clients) => clients.get(name),
        inject: [messaging_clients_1.MessagingClients],
    };
}
function checked(options, names) {
    (0, messaging_options_validate_1.validateOptions)(options, names);
    if (options.clients.some((c) => 'useExisting' in c)) {
        throw new messaging_errors_1.MessagingConfigurationError("MessagingModule.forRootAsync: useExisting is only for forRoot; inject the ClientProxy into your factory and pass it as 'proxy'");
    }
    return options;
}
