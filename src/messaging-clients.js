"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingClients = void 0;
const common_1 = require("@nestjs/common");
const microservices_1 = require("@nestjs/microservices");
const call_policy_1 = require("./client/call-policy");
const messaging_client_1 = require("./client/messaging-client");
const messaging_client_serializer_1 = require("./client/messaging-client.serializer");
const carriers_1 = require("./transports/carriers");
const messaging_errors_1 = require("./errors/messaging.errors");
const client_resilience_1 = require("./resilience/client-resilience");
const messaging_constants_1 = require("./messaging.constants");
/**
 * The module's clients by name. Inject it to reach a client whose name is only
 * known at run time; otherwise prefer `@InjectMessagingClient(name)`.
 * It connects eager clients at bootstrap and closes every client on shutdown.
 */
let MessagingClients = class MessagingClients {
    options;
    logger = new common_1.Logger('MessagingClients');
    clients = new Map();
    definitions = new Map();
    constructor(options) {
        this.options = options;
        for (const def of options.clients) {
            this.definitions.set(def.name, def);
            if ('transport' in def) {
                this.clients.set(def.name, this.build(def, microservices_1.ClientProxyFactory.create(withSerializer(def)), true));
            }
            else if ('proxy' in def) {
                this.clients.set(def.name, this.build(def, def.proxy, false));
            }
        }
    }
    /**
     * The client named `name`.
     * @throws MessagingConfigurationError when there is none.
     */
    get(name) {
        const client = this.clients.get(name);
        if (!client) {
            throw new messaging_errors_1.MessagingConfigurationError(`no MessagingClient named '${name}': the module defines ${[...this.definitions.keys()].map((n) => `'${n}'`).join(', ') || 'none'}`);
        }
        return client;
    }
    /** Wraps the proxy of a `useExisting` client once Nest has resolved it. @internal */
    adopt(name, proxy) {
        const existing = this.clients.get(name);
        if (existing)
            return existing;
        const client = this.build(this.definitions.get(name), proxy, false);
        this.clients.set(name, client);
        return client;
    }
    /** Connects the clients marked eager; a failure stops the bootstrap. */
    async onApplicationBootstrap() {
        const timeout = this.options.connectTimeout ?? 5000;
        await Promise.all([...this.clients.values()]
            .filter((c) => (this.definitions.get(c.name).connect ?? this.options.connect ?? 'lazy') === 'eager')
            .map((c) => connectWithin(c, timeout)));
    }
    /** Fails pending calls with MessagingClientClosedError and closes the proxies the module built. */
    async onApplicationShutdown() {
        const results = await Promise.allSettled([...this.clients.values()].map((c) => c.close()));
        for (const r of results) {
            if (r.status === 'rejected')
                this.logger.warn(`closing a client failed: ${String(r.reason)}`);
        }
    }
    build(def, proxy, owns) {
        const policy = (0, call_policy_1.mergePolicy)((0, call_policy_1.mergePolicy)(call_policy_1.DEFAULT_CALL_POLICY, this.options.defaults), def.policy);
        const carrier = 'transport' in def ? (0, carriers_1.carrierFor)(def.transport) : undefined;
        const resilience = def.resilience ? new client_resilience_1.ClientResilience(def.resilience) : undefined;
        return new messaging_client_1.MessagingClient(proxy, {
            name: def.name,
            policy,
            ownsProxy: owns,
            carrier,
            instrumentation: this.options.instrumentation,
            resilience,
        });
    }
};
exports.MessagingClients = MessagingClients;
exports.MessagingClients = MessagingClients = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(messaging_constants_1.MESSAGING_MODULE_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], MessagingClients);
/** Nest's client options with the library's serializer around the one given (if any). */
function withSerializer(def) {
    const { transport, options } = def;
    const inner = options
        ?.serializer;
    const extra = transport === microservices_1.Transport.MQTT ? { protocolVersion: 5 } : {};
    return {
        transport,
        options: { ...extra, ...options, serializer: new messaging_client_serializer_1.MessagingClientSerializer(inner, transport) },
    };
}
async function connectWithin(client, timeout) {
    let timer;
    try {
        await Promise.race([
            client.connect(),
            new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`no connection within ${timeout} ms`)), timeout);
            }),
        ]);
    }
    catch (err) {
        throw new messaging_errors_1.MessagingConnectionError(`client '${client.name}' could not connect at bootstrap (connect: 'eager'): ${err instanceof Error ? err.message : String(err)}. Start its server or broker first, or use connect: 'lazy'`, { client: client.name, cause: err });
    }
    finally {
        clearTimeout(timer);
    }
}
