import type { MessagingErrorFields } from '../errors/messaging.errors';
import { ContractViolationError, UnsupportedVersionError, type ValidationIssue } from './contract.errors';
import type { DtoClass, PayloadSchema } from './contract.types';
import type { AnyContract } from './message-contract';
import { inspectPayload } from './payload-guard';
import { classCodecOf, decodeClass, type ClassOutcome } from './plan/class-codec';
import { validateWithSchema } from './schema-codec';
import { isStandardSchema, type InferSchemaOutput, type StandardSchemaV1 } from './standard-schema';

/** What to do with payload properties that the DTO does not declare. */
export type UnknownPropertiesMode = 'reject' | 'strip';

/** Options of payload decoding. */
export interface DecodeOptions {
  /**
   * `'reject'`: a payload with a property the DTO does not declare is invalid;
   * `'strip'`: such properties are removed. DTO classes only: a Standard
   * Schema decides itself (e.g. zod's `z.strictObject` rejects, `z.object` strips).
   * @default 'reject'
   */
  unknownProperties?: UnknownPropertiesMode;
}

/**
 * Turns an incoming payload into the contract's current version: picks the
 * schema of `version` (the contract's assumed version when none), decodes with
 * it (see {@link toDto}), and upcasts step by step to the current version
 * (decoding each result).
 *
 * @returns a DTO instance, or a Standard Schema's output.
 * @throws UnsupportedVersionError for a version the contract does not know.
 * @throws ContractViolationError when the payload or an upcast result is invalid.
 * @example
 * const dto = await decodePayload(GetUser, { userId: 7 }, 1); // a GetUserV2 instance
 */
export async function decodePayload(
  contract: AnyContract,
  data: unknown,
  version: number | undefined,
  options: DecodeOptions = {},
  fields: MessagingErrorFields = {},
): Promise<unknown> {
  return decodePayloadNow(contract, data, version, options, fields);
}

/**
 * {@link decodePayload} without a promise when every step is synchronous (a
 * compiled plan, a synchronous Standard Schema): the decoded payload, or a
 * promise of it once a step is asynchronous. Throws what decodePayload rejects with.
 * @internal
 */
export function decodePayloadNow(
  contract: AnyContract,
  data: unknown,
  version: number | undefined,
  options: DecodeOptions = {},
  fields: MessagingErrorFields = {},
): unknown {
  const v = version ?? contract.assumedVersion;
  if (!contract.supportedVersions.includes(v)) {
    throw new UnsupportedVersionError(String(v), contract.supportedVersions, fields);
  }
  const value = decode(contract.versions[v]!, data, v, options, fields);
  return value instanceof Promise ? value.then((decoded) => upcastFrom(contract, decoded, v, options, fields)) : upcastFrom(contract, value, v, options, fields);
}

/** Upcasts and decodes `value` (decoded as version `v`) up to the contract's current version. */
function upcastFrom(contract: AnyContract, value: unknown, v: number, options: DecodeOptions, fields: MessagingErrorFields): unknown {
  const versions = contract.supportedVersions;
  while (v !== contract.current) {
    const next = versions[versions.indexOf(v) + 1]!;
    const upcaster = contract.upcast[v] as (payload: unknown) => object;
    const decoded = decode(contract.versions[next]!, upcaster(value), next, options, fields);
    if (decoded instanceof Promise) {
      const from = next;
      return decoded.then((later) => upcastFrom(contract, later, from, options, fields));
    }
    value = decoded;
    v = next;
  }
  return value;
}

/**
 * Decodes `data` with one schema. A DTO class: the payload must be an object;
 * it is transformed into an instance and validated (whitelist, unknown
 * properties as `options` say, forbidUnknownValues) by the class's compiled
 * plan, or by class-transformer and class-validator where the plan does not
 * cover the class (logged at debug level). A Standard Schema: its `validate`,
 * whose output is returned. Either way, nesting deeper than 64 levels and the
 * keys `__proto__`, `constructor` and `prototype` are refused first.
 *
 * @throws ContractViolationError (code INVALID_ARGUMENT) with `details.issues`.
 * @example
 * const user = await toDto(UserDto, reply, 1, { unknownProperties: 'strip' });
 */
export function toDto<T extends object>(
  cls: DtoClass<T>,
  data: unknown,
  version: number,
  options?: DecodeOptions,
  fields?: MessagingErrorFields,
): Promise<T>;
export function toDto<S extends StandardSchemaV1>(
  schema: S,
  data: unknown,
  version: number,
  options?: DecodeOptions,
  fields?: MessagingErrorFields,
): Promise<InferSchemaOutput<S>>;
export function toDto(
  schema: PayloadSchema,
  data: unknown,
  version: number,
  options?: DecodeOptions,
  fields?: MessagingErrorFields,
): Promise<unknown>;
export async function toDto(
  schema: PayloadSchema,
  data: unknown,
  version: number,
  options: DecodeOptions = {},
  fields: MessagingErrorFields = {},
): Promise<unknown> {
  return decode(schema, data, version, options, fields);
}

/**
 * Decodes with one schema: synchronously (returning the value, throwing the
 * violation) where a DTO class's plan validates, else through a promise.
 */
function decode(schema: PayloadSchema, data: unknown, version: number, options: DecodeOptions, fields: MessagingErrorFields): unknown {
  const standard = isStandardSchema(schema);
  if (!standard && (data === null || typeof data !== 'object' || Array.isArray(data))) {
    throw violation(version, [{ path: '', constraints: { isObject: `payload must be an object, got ${kind(data)}` } }], fields);
  }
  const inspection = inspectPayload(data);
  if (inspection.issue) throw violation(version, [inspection.issue], fields);
  if (standard) return decodeWithSchema(schema, data, version, fields);
  const reject = (options.unknownProperties ?? 'reject') === 'reject';
  const outcome = decodeClass(schema, data as object, reject, inspection.plain);
  return outcome instanceof Promise ? outcome.then((o) => instanceOf(o, version, fields)) : instanceOf(outcome, version, fields);
}

function instanceOf(outcome: ClassOutcome, version: number, fields: MessagingErrorFields): object {
  if (outcome.issues.length) throw violation(version, outcome.issues, fields);
  return outcome.instance;
}

async function decodeWithSchema(schema: StandardSchemaV1, data: unknown, version: number, fields: MessagingErrorFields): Promise<unknown> {
  const outcome = await validateWithSchema(schema, data);
  if (!outcome.ok) throw violation(version, outcome.issues, fields);
  return outcome.value;
}

/**
 * Decides now, rather than on the first message, how each DTO class of a
 * contract (its versions and response) is decoded: by plan, or by
 * class-transformer / class-validator (logged at debug level, with the reason).
 * Servers call it when they register a handler. Standard Schemas need nothing.
 * @internal
 */
export function prepareContract(contract: AnyContract): void {
  const schemas: PayloadSchema[] = contract.supportedVersions.map((v) => contract.versions[v]!);
  if (contract.kind === 'message' && contract.response) schemas.push(contract.response);
  for (const schema of schemas) if (!isStandardSchema(schema)) classCodecOf(schema);
}

function violation(version: number, issues: ValidationIssue[], fields: MessagingErrorFields): ContractViolationError {
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path || '(payload)'}: ${Object.values(i.constraints).join('; ')}`)
    .join(', ');
  return new ContractViolationError(`invalid payload (version ${version}): ${summary}`, version, issues, fields);
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
