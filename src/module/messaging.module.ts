import { Module, type DynamicModule, type InjectionToken, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { MessagingClients } from './messaging-clients';
import { MessagingContext } from '../context/messaging-context.service';
import { getMessagingClientToken, MESSAGING_MODULE_OPTIONS } from './messaging.constants';
import type {
  MessagingClientDefinition,
  MessagingClientOptions,
  MessagingModuleAsyncFactoryResult,
  MessagingModuleAsyncOptions,
  MessagingModuleOptions,
  MessagingModuleRootOptions,
  MessagingOptionsFactory,
} from './messaging.options';
import { validateOptions } from './messaging-options.validate';
import { MessagingConfigurationError } from '../errors/messaging.errors';

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
@Module({})
export class MessagingModule {
  /**
   * Registers the clients of `options`, checked now.
   * @throws MessagingConfigurationError listing every problem of the options.
   */
  static forRoot(options: MessagingModuleRootOptions): DynamicModule {
    validateOptions(options);
    const { isGlobal, imports, ...moduleOptions } = options;
    const clientProviders: Provider[] = options.clients.map((def) =>
      'useExisting' in def
        ? {
            provide: getMessagingClientToken(def.name),
            useFactory: (clients: MessagingClients, proxy: ClientProxy) => clients.adopt(def.name, proxy),
            inject: [MessagingClients, def.useExisting],
          }
        : clientProvider(def.name),
    );
    return {
      module: MessagingModule,
      global: isGlobal ?? false,
      imports: imports ?? [],
      providers: [
        { provide: MESSAGING_MODULE_OPTIONS, useValue: moduleOptions },
        MessagingClients,
        MessagingContext,
        ...clientProviders,
      ],
      exports: [MESSAGING_MODULE_OPTIONS, MessagingClients, MessagingContext, ...clientProviders.map((p) => (p as { provide: string }).provide)],
    };
  }

  /**
   * Registers clients whose options are made at bootstrap (from a config
   * service, say): per client (`clients: [{ name, useFactory, inject }]`, as
   * `ClientsModule.registerAsync` does), and/or for the whole module
   * (`useFactory`, `useClass` or `useExisting`, whose clients get a token
   * when `clientNames` lists them). The options are checked when the
   * factories resolve.
   * @throws MessagingConfigurationError when more than one of useFactory, useClass and useExisting is given, or none and no `clients`.
   */
  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    const asyncClients = options.clients ?? [];
    const names = [...new Set([...(options.clientNames ?? []), ...asyncClients.map((c) => c.name)])];
    const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined);
    if (ways.length > 1 || (ways.length === 0 && asyncClients.length === 0)) {
      throw new MessagingConfigurationError(
        'MessagingModule.forRootAsync needs clients ([{ name, useFactory }]), or exactly one of useFactory, useClass or useExisting, or both',
      );
    }
    // Each client's factory is a provider of its own, with its own injections.
    const clientOptionProviders: Provider[] = asyncClients.map((client) => ({
      provide: clientOptionsToken(client.name),
      useFactory: client.useFactory,
      inject: client.inject ?? [],
    }));
    const clientTokens = asyncClients.map((c) => clientOptionsToken(c.name));
    const factoryClass = options.useClass ?? options.useExisting;
    const moduleInject: Array<InjectionToken | OptionalFactoryDependency> = options.useFactory
      ? (options.inject ?? [])
      : factoryClass
        ? [factoryClass]
        : [];
    const makeModuleOptions = async (args: never[]): Promise<MessagingModuleAsyncFactoryResult> => {
      if (options.useFactory) return options.useFactory(...args);
      if (factoryClass) return (args[0] as unknown as MessagingOptionsFactory).createMessagingOptions();
      return {};
    };
    const optionsProvider: Provider = {
      provide: MESSAGING_MODULE_OPTIONS,
      useFactory: async (...args: never[]) => {
        const base = await makeModuleOptions(args.slice(0, moduleInject.length) as never[]);
        const perClient = args.slice(moduleInject.length) as unknown as MessagingClientOptions[];
        const clients = [
          ...(base.clients ?? []),
          ...perClient.map((definition, i) => ({ ...definition, name: asyncClients[i]!.name }) as MessagingClientDefinition),
        ];
        return checked({ ...base, clients }, names);
      },
      inject: [...moduleInject, ...clientTokens],
    };
    const clientProviders = names.map(clientProvider);
    return {
      module: MessagingModule,
      global: options.isGlobal ?? false,
      imports: options.imports ?? [],
      providers: [
        optionsProvider,
        ...clientOptionProviders,
        ...(options.useClass ? [options.useClass] : []),
        MessagingClients,
        MessagingContext,
        ...clientProviders,
      ],
      exports: [MESSAGING_MODULE_OPTIONS, MessagingClients, MessagingContext, ...names.map(getMessagingClientToken)],
    };
  }
}

/** The token of a `forRootAsync` client's own options provider. */
function clientOptionsToken(name: string): string {
  return `nestjs-messaging:client-options:${name}`;
}

function clientProvider(name: string): Provider {
  return {
    provide: getMessagingClientToken(name),
    useFactory: (clients: MessagingClients) => clients.resolve(name),
    inject: [MessagingClients],
  };
}

function checked(options: MessagingModuleOptions, names: readonly string[]): MessagingModuleOptions {
  validateOptions(options, names);
  if (options.clients.some((c) => 'useExisting' in c)) {
    throw new MessagingConfigurationError(
      "MessagingModule.forRootAsync: useExisting is only for forRoot; inject the ClientProxy into your factory and pass it as 'proxy'",
    );
  }
  return options;
}
