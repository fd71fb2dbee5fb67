import type { StandardSchemaV1 } from '../contract/standard-schema';
import type { JsonSchema } from './asyncapi.types';
import { SchemaConversionError } from './schema-conversion.error';

/** Standard JSON Schema (standardschema.dev): `~standard.jsonSchema`, which zod 4.2+ and arktype implement. */
interface StandardJsonSchemaConverter {
  readonly input: (options: { readonly target: string }) => Record<string, unknown>;
}

type ZodModule = { toJSONSchema(schema: unknown, options: Record<string, unknown>): Record<string, unknown> };
type ValibotJsonModule = { toJsonSchema(schema: unknown, options: Record<string, unknown>): Record<string, unknown> };

/**
 * The JSON Schema (draft-07) of what a Standard Schema accepts (its input
 * type: what travels on the wire), made by the schema library's own converter:
 * the schema's `~standard.jsonSchema` where it has one (zod 4.2+, arktype),
 * else zod's `toJSONSchema`, or `@valibot/to-json-schema` for valibot (an
 * optional dependency, loaded here).
 * @throws SchemaConversionError when the library has no converter, its
 *   converter package is missing, or the converter refuses a part of the schema.
 * @internal
 */
export function standardSchemaToJsonSchema(schema: StandardSchemaV1): JsonSchema {
  const vendor = schema['~standard'].vendor;
  const standard = (schema['~standard'] as { jsonSchema?: Partial<StandardJsonSchemaConverter> }).jsonSchema;
  try {
    if (standard && typeof standard.input === 'function') return clean(standard.input({ target: 'draft-07' }));
    if (vendor === 'zod') return clean(load<ZodModule>('zod', vendor).toJSONSchema(schema, { io: 'input', target: 'draft-7' }));
    if (vendor === 'valibot') {
      const converter = load<ValibotJsonModule>('@valibot/to-json-schema', vendor);
      return clean(converter.toJsonSchema(schema, { typeMode: 'input', target: 'draft-07', errorMode: 'throw' }));
    }
  } catch (err) {
    if (err instanceof SchemaConversionError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new SchemaConversionError(
      `the ${vendor} schema cannot be converted to JSON Schema by ${vendor}'s converter: ${reason}. ` +
        `Describe that part in a way JSON Schema can hold (e.g. an ISO string instead of a Date), or give it JSON Schema metadata your schema library supports`,
      vendor,
      {},
      err,
    );
  }
  throw new SchemaConversionError(
    `schemas of '${vendor}' have no JSON Schema converter that nestjs-messaging knows: ` +
      `it uses ~standard.jsonSchema (Standard JSON Schema), zod's toJSONSchema or @valibot/to-json-schema`,
    vendor,
  );
}

function load<T>(name: string, vendor: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional converter, loaded when a schema of its library is converted
    return require(name) as T;
  } catch (err) {
    throw new SchemaConversionError(`converting ${vendor} schemas to JSON Schema needs '${name}': npm install ${name}`, vendor, {}, err);
  }
}

/** Drops the `$schema` keyword: the schema sits inside a document that says its format. */
function clean(schema: Record<string, unknown>): JsonSchema {
  const { $schema: _drop, ...rest } = schema;
  return rest;
}
