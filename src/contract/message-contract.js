"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.defineMessage = defineMessage;
exports.defineEvent = defineEvent;
exports.isContract = isContract;
const messaging_errors_1 = require("../errors/messaging.errors");
const CONTRACT = Symbol.for('nestjs-messaging:contract');
/**
 * Defines a request-response contract: its pattern, a payload class per
 * version, upcasters from older versions, and the response class.
 *
 * @throws MessagingConfigurationError when versions are not whole numbers >= 1 or an upcaster is missing.
 * @example
 * export const GetUser = defineMessage({
 *   pattern: { cmd: 'get_user' },
 *   versions: { 1: GetUserV1, 2: GetUserV2 },
 *   upcast: { 1: (v1) => ({ id: v1.userId }) },
 *   response: UserDto,
 * });
 */
function defineMessage(definition) {
    return Object.freeze({ ...base(definition), kind: 'message', response: definition.response });
}
/**
 * Defines an event contract: its pattern, a payload class per version and
 * upcasters from older versions.
 *
 * @throws MessagingConfigurationError when versions are not whole numbers >= 1 or an upcaster is missing.
 * @example
 * export const UserCreated = defineEvent({ pattern: 'user_created', versions: { 1: UserCreatedV1 } });
 */
function defineEvent(definition) {
    if (definition.ttl !== undefined && !(typeof definition.ttl === 'number' && definition.ttl > 0)) {
        throw new messaging_errors_1.MessagingConfigurationError(`event contract ttl ${String(definition.ttl)}: give a positive number of milliseconds`);
    }
    return Object.freeze({ ...base(definition), kind: 'event', ttl: definition.ttl });
}
/** Whether `value` is a contract made by defineMessage/defineEvent. */
function isContract(value) {
    return typeof value === 'object' && value !== null && value[CONTRACT] === true;
}
function base(def) {
    const where = `contract ${typeof def?.pattern === 'string' ? def.pattern : JSON.stringify(def?.pattern)}`;
    if (def?.pattern === undefined || def.pattern === null) {
        throw new messaging_errors_1.MessagingConfigurationError(`${where}: give a pattern`);
    }
    const versions = Object.keys(def.versions ?? {}).map(Number);
    if (versions.length === 0 || versions.some((v) => !Number.isInteger(v) || v < 1)) {
        throw new messaging_errors_1.MessagingConfigurationError(`${where}: versions must be whole numbers from 1, each with a DTO class`);
    }
    versions.sort((a, b) => a - b);
    for (const v of versions) {
        if (typeof def.versions[v] !== 'function') {
            throw new messaging_errors_1.MessagingConfigurationError(`${where}: version ${v} must be a DTO class`);
        }
    }
    const current = versions[versions.length - 1];
    const upcast = (def.upcast ?? {});
    for (const v of versions.slice(0, -1)) {
        if (typeof upcast[v] !== 'function') {
            throw new messaging_errors_1.MessagingConfigurationError(`${where}: version ${v} needs an upcaster to version ${versions[versions.indexOf(v) + 1]} (upcast: { ${v}: (payload) => ({...}) })`);
        }
    }
    const assumed = def.assumeVersion ?? current;
    if (!versions.includes(assumed)) {
        throw new messaging_errors_1.MessagingConfigurationError(`${where}: assumeVersion ${String(assumed)} is not one of its versions`);
    }
    return {
        [CONTRACT]: true,
        pattern: def.pattern,
        versions: def.versions,
        current,
        assumedVersion: assumed,
        upcast: upcast,
        supportedVersions: Object.freeze(versions),
    };
}
