"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.decodePayload = decodePayload;
exports.toDto = toDto;
const class_transformer_1 = require("class-transformer");
const class_validator_1 = require("class-validator");
const contract_errors_1 = require("./contract.errors");
/** Deepest payload nesting accepted (JSON.parse has no limit; validators recurse). */
const MAX_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * Turns an incoming payload into an instance of the contract's current DTO:
 * picks the class of `version` (the contract's assumed version when none),
 * transforms with class-transformer, validates with class-validator, and
 * upcasts step by step to the current version (validating the result).
 *
 * @throws UnsupportedVersionError for a version the contract does not know.
 * @throws ContractViolationError when the payload or an upcast result is invalid.
 */
async function decodePayload(contract, data, version, options = {}, fields = {}) {
    let v = version ?? contract.assumedVersion;
    const versions = contract.supportedVersions;
    if (!versions.includes(v)) {
        throw new contract_errors_1.UnsupportedVersionError(String(v), versions, fields);
    }
    let value = await toDto(contract.versions[v], data, v, options, fields);
    while (v !== contract.current) {
        const next = versions[versions.indexOf(v) + 1];
        const upcaster = contract.upcast[v];
        value = await toDto(contract.versions[next], upcaster(value), next, options, fields);
        v = next;
    }
    return value;
}
/**
 * Transforms `data` into an instance of `cls` and validates it.
 * @throws ContractViolationError
 */
async function toDto(cls, data, version, options = {}, fields = {}) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw violation(version, [{ path: '', constraints: { isObject: `payload must be an object, got ${kind(data)}` } }], fields);
    }
    const unsafe = findUnsafeKey(data, 0);
    if (unsafe)
        throw violation(version, [unsafe], fields);
    const instance = (0, class_transformer_1.plainToInstance)(cls, data);
    const errors = await (0, class_validator_1.validate)(instance, {
        whitelist: true,
        forbidNonWhitelisted: (options.unknownProperties ?? 'reject') === 'reject',
        forbidUnknownValues: true,
    });
    if (errors.length)
        throw violation(version, flatten(errors, ''), fields);
    return instance;
}
function violation(version, issues, fields) {
    const summary = issues
        .slice(0, 5)
        .map((i) => `${i.path || '(payload)'}: ${Object.values(i.constraints).join('; ')}`)
        .join(', ');
    return new contract_errors_1.ContractViolationError(`invalid payload (version ${version}): ${summary}`, version, issues, fields);
}
function flatten(errors, prefix) {
    const issues = [];
    for (const e of errors) {
        const path = prefix ? `${prefix}.${e.property}` : e.property;
        if (e.constraints && Object.keys(e.constraints).length)
            issues.push({ path, constraints: { ...e.constraints } });
        if (e.children?.length)
            issues.push(...flatten(e.children, path));
    }
    return issues;
}
function findUnsafeKey(value, depth, path = '') {
    if (value === null || typeof value !== 'object')
        return undefined;
    if (depth > MAX_DEPTH) {
        return { path, constraints: { maxDepth: `payload is nested deeper than ${MAX_DEPTH} levels` } };
    }
    for (const key of Object.keys(value)) {
        const at = path ? `${path}.${key}` : key;
        if (FORBIDDEN_KEYS.has(key))
            return { path: at, constraints: { forbiddenKey: `property name '${key}' is not allowed` } };
        const found = findUnsafeKey(value[key], depth + 1, at);
        if (found)
            return found;
    }
    return undefined;
}
function kind(value) {
    return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
