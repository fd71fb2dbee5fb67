import { type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ClientProxy } from '@nestjs/microservices';
import { MessagingClient } from './client/messaging-client';
import type { MessagingModuleOptions } from './messaging.options';
/**
 * The module's clients by name. Inject it to reach a client whose name is only
 * known at run time; otherwise prefer `@InjectMessagingClient(name)`.
 * It connects eager clients at bootstrap and closes every client on shutdown.
 */
export declare class MessagingClients implements OnApplicationBootstrap, OnApplicationShutdown {
    private readonly options;
    private readonly logger;
    private readonly clients;
    private readonly definitions;
    constructor(options: MessagingModuleOptions);
    /**
     * The client named `name`.
     * @throws MessagingConfigurationError when there is none.
     */
    get(name: string): MessagingClient;
    /** Wraps the proxy of a `useExisting` client once Nest has resolved it. @internal */
    adopt(name: string, proxy: ClientProxy): MessagingClient;
    /** Connects the clients marked eager; a failure stops the bootstrap. */
    onApplicationBootstrap(): Promise<void>;
    /** Fails pending calls with MessagingClientClosedError and closes the proxies the module built. */
    onApplicationShutdown(): Promise<void>;
    private build;
}
