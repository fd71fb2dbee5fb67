import type { AnyClass } from '../contract/class-libraries';
import type { PayloadSchema } from '../contract/contract.types';
import type { AnyContract } from '../contract/message-contract';
import { isStandardSchema } from '../contract/standard-schema';
import type { JsonSchema } from './asyncapi.types';
import { classToJsonSchemas, DEFINITIONS, refsIn } from './class-json-schema';
import { SchemaConversionError, type SchemaConversionSite } from './schema-conversion.error';
import { standardSchemaToJsonSchema } from './standard-json-schema';

/**
 * A schema converted to JSON Schema, before it is placed: its root, and the
 * named schemas it refers to as `{ $ref: '#/definitions/<name>' }` (the root
 * itself as `'#'`, for a recursive Standard Schema).
 * @internal
 */
export interface SchemaBundle {
  readonly root: JsonSchema;
  readonly definitions: ReadonlyMap<string, JsonSchema>;
  /** The DTO class's name; absent for a Standard Schema. */
  readonly className?: string;
  /** For DTO bundles: the class of each definition (names are global in a document). */
  readonly classes?: ReadonlyMap<string, AnyClass>;
  /** `'class-validator'` or the Standard Schema's vendor. */
  readonly vendor: string;
}

/** The JSON Schemas of a contract: one per version, and the response's. */
export interface ContractJsonSchemas {
  /** By version number. */
  readonly versions: Readonly<Record<number, JsonSchema>>;
  /** The response's, for a message contract that names one. */
  readonly response?: JsonSchema;
}

/**
 * The JSON Schema (draft-07) of a contract version or response: a
 * class-validator DTO class through `class-validator-jsonschema` (nested DTOs
 * named by class-transformer's `@Type` in `definitions`), a Standard Schema
 * through its library's converter (zod 4's `toJSONSchema`,
 * `@valibot/to-json-schema`, or the schema's own `~standard.jsonSchema`). For
 * a Standard Schema whose input and output differ, it is the input: what a
 * sender puts on the wire.
 *
 * @throws SchemaConversionError when the schema cannot be converted (the message says why and what to do).
 * @example
 * const schema = jsonSchemaOf(CreateUserV1);
 * // { type: 'object', properties: { ..., address: { $ref: '#/definitions/AddressDto' } }, definitions: { AddressDto: {...} } }
 */
export function jsonSchemaOf(schema: PayloadSchema): JsonSchema {
  const bundle = bundleOf(schema);
  if (bundle.definitions.size === 0) return bundle.root;
  return { ...bundle.root, definitions: Object.fromEntries(bundle.definitions) };
}

/**
 * The JSON Schemas (draft-07) of every version of a contract, and of its
 * response, each self-contained as {@link jsonSchemaOf} makes it.
 *
 * @throws SchemaConversionError naming the contract and the version whose schema cannot be converted.
 * @example
 * const { versions, response } = contractJsonSchemas(GetUser);
 * versions[2]; // { type: 'object', properties: { id: { type: 'integer', minimum: 1 }, ... }, required: ['id'] }
 */
export function contractJsonSchemas(contract: AnyContract): ContractJsonSchemas {
  const pattern = patternText(contract.pattern);
  const versions: Record<number, JsonSchema> = {};
  for (const version of contract.supportedVersions) {
    versions[version] = within({ pattern, version }, () => jsonSchemaOf(contract.versions[version]!));
  }
  const response = contract.kind === 'message' ? contract.response : undefined;
  return response === undefined
    ? { versions }
    : { versions, response: within({ pattern, version: 'response' }, () => jsonSchemaOf(response)) };
}

/** Converts a schema; a SchemaConversionError is told where the schema is used. @internal */
export function within<T>(site: SchemaConversionSite, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    throw err instanceof SchemaConversionError ? err.at(site) : err;
  }
}

/** A schema converted, with the schemas it refers to. @internal */
export function bundleOf(schema: PayloadSchema): SchemaBundle {
  if (isStandardSchema(schema)) {
    const vendor = schema['~standard'].vendor;
    const { definitions: defs, $defs, ...root } = standardSchemaToJsonSchema(schema);
    const definitions = new Map<string, JsonSchema>();
    for (const source of [defs, $defs]) {
      if (source !== null && typeof source === 'object') {
        for (const [name, value] of Object.entries(source)) definitions.set(name, rebase(value as JsonSchema));
      }
    }
    return { root: rebase(root), definitions, vendor };
  }
  const classSchemas = classToJsonSchemas(schema as AnyClass);
  const definitions = new Map(classSchemas.schemas);
  const root = definitions.get(classSchemas.root)!;
  const selfReferenced = [...definitions.values()].some((s) => refsIn(s).includes(DEFINITIONS + classSchemas.root));
  if (!selfReferenced) definitions.delete(classSchemas.root);
  return { root, definitions, className: classSchemas.root, classes: classSchemas.classes, vendor: 'class-validator' };
}

/** Points `#/$defs/<name>` refs (draft 2019+ converters) at `#/definitions/<name>`. */
function rebase(schema: JsonSchema): JsonSchema {
  return mapRefs(schema, (ref) => (ref.startsWith('#/$defs/') ? DEFINITIONS + ref.slice('#/$defs/'.length) : ref));
}

/** A copy of `schema` with every `$ref` string mapped. @internal */
export function mapRefs(schema: JsonSchema, map: (ref: string) => string): JsonSchema {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? map(v) : walk(v)]),
    );
  };
  return walk(schema) as JsonSchema;
}

/** A pattern as text, for messages: a string as it is, an object as JSON. @internal */
export function patternText(pattern: unknown): string {
  return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}
