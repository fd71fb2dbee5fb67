import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { MessagingClients } from './messaging-clients';
import { MessagingContext } from '../context/messaging-context.service';
import { getMessagingClientToken, MESSAGING_MODULE_OPTIONS } from './messaging.constants';
import type {
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
   * service, say). `clientNames` says which clients get an injection token;
   * the options are checked when the factory resolves.
   * @throws MessagingConfigurationError when neither useFactory, useClass nor useExisting is given.
   */
  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    const names = options.clientNames ?? [];
    const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined);
    if (ways.length !== 1) {
      throw new MessagingConfigurationError(
        'MessagingModule.forRootAsync needs exactly one of useFactory, useClass or useExisting',
      );
    }
    const optionsProvider: Provider = options.useFactory
      ? {
          provide: MESSAGING_MODULE_OPTIONS,
          useFactory: async (...args: never[]) => checked(await options.useFactory!(...args), names),
          inject: options.inject ?? [],
        }
      : {
          provide: MESSAGING_MODULE_OPTIONS,
          useFactory: async (factory: MessagingOptionsFactory) => checked(await factory.createMessagingOptions(), names),
          inject: [options.useClass ?? options.useExisting!],
        };
    const clientProviders = names.map(clientProvider);
    return {
      module: MessagingModule,
      global: options.isGlobal ?? false,
      imports: options.imports ?? [],
      providers: [
        optionsProvider,
        ...(options.useClass ? [options.useClass] : []),
        MessagingClients,
        MessagingContext,
        ...clientProviders,
      ],
      exports: [MESSAGING_MODULE_OPTIONS, MessagingClients, MessagingContext, ...names.map(getMessagingClientToken)],
    };
  }
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
