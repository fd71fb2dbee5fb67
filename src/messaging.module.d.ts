import { type DynamicModule } from '@nestjs/common';
import type { MessagingModuleAsyncOptions, MessagingModuleRootOptions } from './messaging.options';
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
export declare class MessagingModule {
    /**
     * Registers the clients of `options`, checked now.
     * @throws MessagingConfigurationError listing every problem of the options.
     */
    static forRoot(options: MessagingModuleRootOptions): DynamicModule;
    /**
     * Registers clients whose options are made at bootstrap (from a config
     * service, say). `clientNames` says which clients get an injection token;
     * the options are checked when the factory resolves.
     * @throws MessagingConfigurationError when neither useFactory, useClass nor useExisting is given.
     */
    static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule;
}
