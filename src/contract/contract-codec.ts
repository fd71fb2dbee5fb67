import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { MessagingErrorFields } from '../errors/messaging.errors';
import { ContractViolationError, UnsupportedVersionError, type ValidationIssue } from './contract.errors';
import type { AnyContract, DtoClass } from './message-contract';

/** What to do with payload properties that the DTO does not declare. */
export type UnknownPropertiesMode = 'reject' | 'strip';

/** Options of payload decoding. */
export interface DecodeOptions {
  /**
   * `'reject'`: a payload with a property the DTO does not declare is invalid;
   * `'strip'`: such properties are removed.
   * @default 'reject'
   */
  unknownProperties?: UnknownPropertiesMode;
}

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
export async function decodePayload(
  contract: AnyContract,
  data: unknown,
  version: number | undefined,
  options: DecodeOptions = {},
  fields: MessagingErrorFields = {},
): Promise<object> {
  let v = version ?? contract.assumedVersion;
  const versions = contract.supportedVersions;
  if (!versions.includes(v)) {
    throw new UnsupportedVersionError(String(v), versions, fields);
  }
  let value = await toDto(contract.versions[v]!, data, v, options, fields);
  while (v !== contract.current) {
    const next = versions[versions.indexOf(v) + 1]!;
    const upcaster = contract.upcast[v] as (payload: object) => object;
    value = await toDto(contract.versions[next]!, upcaster(value), next, options, fields);
    v = next;
  }
  return value;
}

/**
 * Transforms `data` into an instance of `cls` and validates it.
 * @throws ContractViolationError
 */
export async function toDto<T extends object>(
  cls: DtoClass<T>,
  data: unknown,
  version: number,
  options: DecodeOptions = {},
  fields: MessagingErrorFields = {},
): Promise<T> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw violation(version, [{ path: '', constraints: { isObject: `payload must be an object, got ${kind(data)}` } }], fields);
  }
  const unsafe = findUnsafeKey(data, 0);
  if (unsafe) throw violation(version, [unsafe], fields);
  const instance = plainToInstance(cls, data);
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: (options.unknownProperties ?? 'reject') === 'reject',
    forbidUnknownValues: true,
  });
  if (errors.length) throw violation(version, flatten(errors, ''), fields);
  return instance;
}

function violation(version: number, issues: ValidationIssue[], fields: MessagingErrorFields): ContractViolationError {
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path || '(payload)'}: ${Object.values(i.constraints).join('; ')}`)
    .join(', ');
  return new ContractViolationError(`invalid payload (version ${version}): ${summary}`, version, issues, fields);
}

function flatten(errors: ValidationError[], prefix: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length) issues.push({ path, constraints: { ...e.constraints } });
    if (e.children?.length) issues.push(...flatten(e.children, path));
  }
  return issues;
}

function findUnsafeKey(value: unknown, depth: number, path = ''): ValidationIssue | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) {
    return { path, constraints: { maxDepth: `payload is nested deeper than ${MAX_DEPTH} levels` } };
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return { path: at, constraints: { forbiddenKey: `property name '${key}' is not allowed` } };
    const found = findUnsafeKey((value as Record<string, unknown>)[key], depth + 1, at);
    if (found) return found;
  }
  return undefined;
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
