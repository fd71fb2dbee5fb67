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
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingHealthIndicator = void 0;
const common_1 = require("@nestjs/common");
const terminus_1 = require("@nestjs/terminus");
const messaging_clients_1 = require("../messaging-clients");
/**
 * A `@nestjs/terminus` health indicator for the module's MessagingClients:
 * up when the client connects within the budget and its circuit breaker (if
 * any) is not open; the report carries the breaker state and bulkhead load.
 * Import it from `nestjs-messaging/terminus` (terminus is an optional peer
 * dependency: the main entry never loads it), and provide it in a module that
 * imports `TerminusModule` and sees `MessagingModule`.
 *
 * @example
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.messaging.isHealthy('users')]); }
 */
let MessagingHealthIndicator = class MessagingHealthIndicator {
    clients;
    indicator;
    constructor(clients, indicator) {
        this.clients = clients;
        this.indicator = indicator;
    }
    /**
     * Checks the client named `name`.
     * @throws MessagingConfigurationError when there is no such client.
     */
    async isHealthy(name, options = {}) {
        const client = this.clients.get(name);
        const session = this.indicator.check(options.key ?? name);
        const snapshot = client.resilience?.snapshot();
        const data = { circuit: snapshot?.circuit ?? 'none' };
        if (snapshot?.openPatterns.length)
            data.openPatterns = snapshot.openPatterns;
        if (snapshot?.inFlight !== undefined)
            data.inFlight = snapshot.inFlight;
        if (snapshot?.queued !== undefined)
            data.queued = snapshot.queued;
        if ((options.downWhenCircuitOpen ?? true) && (data.circuit === 'open' || data.circuit === 'isolated')) {
            return session.down({ ...data, message: `the circuit breaker of client '${name}' is ${String(data.circuit)}` });
        }
        if (options.connect === false)
            return session.up(data);
        const timeout = options.timeout ?? 1000;
        let timer;
        try {
            await Promise.race([
                client.connect(),
                new Promise((_, reject) => {
                    timer = setTimeout(() => reject(new Error(`no connection within ${timeout} ms`)), timeout);
                }),
            ]);
            return session.up({ ...data, connected: true });
        }
        catch (err) {
            return session.down({ ...data, connected: false, message: err instanceof Error ? err.message : String(err) });
        }
        finally {
            clearTimeout(timer);
        }
    }
};
exports.MessagingHealthIndicator = MessagingHealthIndicator;
exports.MessagingHealthIndicator = MessagingHealthIndicator = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [messaging_clients_1.MessagingClients,
        terminus_1.HealthIndicatorService])
], MessagingHealthIndicator);
