"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.validateOptions = validateOptions;
const microservices_1 = require("@nestjs/microservices");
const call_policy_1 = require("./client/call-policy");
const messaging_errors_1 = require("./errors/messaging.errors");
const resilience_options_1 = require("./resilience/resilience.options");
const handler_options_validate_1 = require("./resilience/handler-options.validate");
/** Transports whose metadata channel this version implements. */
const SUPPORTED_TRANSPORTS = new Set([
    microservices_1.Transport.TCP,
    microservices_1.Transport.REDIS,
    microservices_1.Transport.NATS,
    microservices_1.Transport.RMQ,
    microservices_1.Transport.MQTT,
]);
/**
 * Checks the module's options and throws one error listing every problem, each
 * with what to do.
 * @throws MessagingConfigurationError
 * @internal
 */
function validateOptions(options, requiredNames = []) {
    const problems = [];
    if (!options || !Array.isArray(options.clients)) {
        throw new messaging_errors_1.MessagingConfigurationError('MessagingModule: options.clients must be an array of client definitions, e.g. [{ name: "users", transport: Transport.TCP, options: { port: 3001 } }]');
    }
    problems.push(...(0, call_policy_1.checkPolicy)('defaults', options.defaults));
    checkConnect('options', options.connect, problems);
    if (options.connectTimeout !== undefined &&
        !(typeof options.connectTimeout === 'number' && options.connectTimeout > 0)) {
        problems.push(`connectTimeout is ${String(options.connectTimeout)}: give a positive number of milliseconds`);
    }
    problems.push(...(0, handler_options_validate_1.checkHandlerResilience)('handlers options', options.handlers));
    const seen = new Set();
    options.clients.forEach((def, i) => {
        const where = typeof def?.name === 'string' && def.name ? `client '${def.name}'` : `clients[${i}]`;
        if (typeof def?.name !== 'string' || def.name.length === 0) {
            problems.push(`${where} has no name: give each client a non-empty name`);
        }
        else if (seen.has(def.name)) {
            problems.push(`${where} is defined twice: client names must be unique`);
        }
        else {
            seen.add(def.name);
        }
        problems.push(...(0, call_policy_1.checkPolicy)(where, def?.policy));
        problems.push(...(0, resilience_options_1.checkResilience)(where, def?.resilience));
        checkConnect(where, def?.connect, problems);
        const kinds = ['transport', 'proxy', 'useExisting'].filter((k) => def && k in def);
        if (kinds.length !== 1) {
            problems.push(`${where} must have exactly one of transport (Nest client options), proxy (a ClientProxy) or useExisting (its token); it has ${kinds.length ? kinds.join(' and ') : 'none'}`);
        }
        else if ('transport' in def && !SUPPORTED_TRANSPORTS.has(def.transport)) {
            problems.push(`${where} uses transport ${String(def.transport)}, which this version of nestjs-messaging does not support: use TCP, REDIS, NATS, RMQ or MQTT (see the README's compatibility table), or wrap your own ClientProxy with 'proxy'`);
        }
        else if ('proxy' in def && (def.proxy === null || typeof def.proxy !== 'object' || typeof def.proxy.send !== 'function')) {
            problems.push(`${where} has a proxy that is not a ClientProxy`);
        }
    });
    for (const name of requiredNames) {
        if (!seen.has(name)) {
            problems.push(`clientNames lists '${name}', but the options define no client of that name: define it or remove it from clientNames`);
        }
    }
    if (problems.length) {
        throw new messaging_errors_1.MessagingConfigurationError(`MessagingModule options are invalid:\n - ${problems.join('\n - ')}`);
    }
}
function checkConnect(where, value, problems) {
    if (value !== undefined && value !== 'eager' && value !== 'lazy') {
        problems.push(`${where} has connect ${String(value)}: give 'eager' or 'lazy'`);
    }
}
