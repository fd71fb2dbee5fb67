import { classTransformerStorage, classValidator, type AnyClass } from '../contract/class-libraries';
import type { JsonSchema } from './asyncapi.types';
import { SchemaConversionError } from './schema-conversion.error';

/** The part of class-validator-jsonschema used here. */
interface ClassValidatorJsonSchema {
  targetConstructorToSchema(
    target: AnyClass,
    options: { readonly classTransformerMetadataStorage?: unknown; readonly refPointerPrefix: string },
  ): Record<string, unknown>;
}

/** Where DTO schemas point at each other while they are made: `#/definitions/<class name>`. @internal */
export const DEFINITIONS = '#/definitions/';

/** The JSON Schemas of a DTO class and of every DTO class it nests, by class name. @internal */
export interface ClassSchemas {
  /** The class's own name: its schema is `schemas[root]`. */
  readonly root: string;
  /** Schemas by class name; a nested DTO is referred to as `{ $ref: '#/definitions/<name>' }`. */
  readonly schemas: ReadonlyMap<string, JsonSchema>;
  /** The class of each name (two classes of one name cannot share a document). */
  readonly classes: ReadonlyMap<string, AnyClass>;
}

const PRIMITIVES: ReadonlySet<unknown> = new Set([String, Number, Boolean, Symbol, Object, Array, Date, Promise, Map, Set]);

let converter: ClassValidatorJsonSchema | undefined;

function load(): ClassValidatorJsonSchema {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer dependency, loaded when a DTO class is converted
    return (converter ??= require('class-validator-jsonschema') as ClassValidatorJsonSchema);
  } catch (err) {
    throw new SchemaConversionError(
      "converting DTO classes to JSON Schema needs 'class-validator-jsonschema' (an optional peer dependency): npm install class-validator-jsonschema",
      'class-validator',
      {},
      err,
    );
  }
}

/**
 * The JSON Schemas of a class-validator DTO class and of the DTO classes it
 * nests (through class-transformer's `@Type`, or the property's design type),
 * made by `class-validator-jsonschema` from class-validator's and
 * class-transformer's metadata.
 * @throws SchemaConversionError when class-validator-jsonschema is not
 *   installed, two nested classes share a name, or a nested property names no
 *   class (`@ValidateNested()` on an array without `@Type(() => Item)`).
 * @internal
 */
export function classToJsonSchemas(dto: AnyClass): ClassSchemas {
  const cvjs = load();
  const classes = new Map<string, AnyClass>();
  const pending: AnyClass[] = [dto];
  while (pending.length) {
    const cls = pending.pop()!;
    const known = classes.get(cls.name);
    if (known === cls) continue;
    if (known) {
      throw new SchemaConversionError(
        `two different DTO classes are named ${cls.name}: JSON Schemas are named by class, rename one of them`,
        'class-validator',
      );
    }
    classes.set(cls.name, cls);
    pending.push(...nestedClasses(cls));
  }
  const storage = classTransformerStorage();
  const schemas = new Map<string, JsonSchema>();
  for (const [name, cls] of classes) {
    const schema = cvjs.targetConstructorToSchema(cls, { classTransformerMetadataStorage: storage, refPointerPrefix: DEFINITIONS });
    schemas.set(name, Object.keys(schema).length === 0 ? { type: 'object', properties: {} } : schema);
  }
  for (const [name, schema] of schemas) schemas.set(name, replaceRefs(schema, (ref) => builtInSchema(ref, name)));
  return { root: dto.name, schemas, classes };
}

/**
 * The classes a DTO's properties hold, as class-validator-jsonschema finds
 * them: `@Type`'s class, else the property's design type.
 */
function nestedClasses(cls: AnyClass): AnyClass[] {
  const storage = classValidator().getMetadataStorage();
  const transformer = classTransformerStorage();
  const found: AnyClass[] = [];
  for (const meta of storage.getTargetValidationMetadatas(cls as never, '', true, false)) {
    if (meta.type !== 'nestedValidation' && meta.type !== 'customValidation') continue;
    const target = meta.target as AnyClass;
    const typeMeta = transformer.findTypeMetadata(target, meta.propertyName);
    const type: unknown = typeMeta ? typeMeta.typeFunction() : Reflect.getMetadata('design:type', target.prototype as object, meta.propertyName);
    if (typeof type !== 'function') continue;
    if (!PRIMITIVES.has(type)) {
      found.push(type as AnyClass);
    } else if (meta.type === 'nestedValidation' && !typeMeta) {
      throw new SchemaConversionError(
        `${target.name}.${meta.propertyName} has @ValidateNested() but names no DTO class (its design type is ${(type as AnyClass).name}): ` +
          `add @Type(() => ItsClass), as class-transformer needs it to build the nested instances too`,
        'class-validator',
      );
    }
  }
  return found;
}

/** What class-validator-jsonschema's `$ref` to a built-in class (on a custom-validated property) stands for. */
function builtInSchema(ref: string, owner: string): JsonSchema | undefined {
  const name = ref.startsWith(DEFINITIONS) ? ref.slice(DEFINITIONS.length) : ref;
  switch (name) {
    case 'Date':
      return { type: 'string', format: 'date-time' };
    case 'Object':
      return { type: 'object' };
    case 'Array':
      return { type: 'array' };
    case 'String':
    case 'Number':
    case 'Boolean':
      return undefined;
    default:
      if (name === '' || ref.startsWith(DEFINITIONS)) return undefined;
      throw new SchemaConversionError(`DTO class ${owner} refers to ${ref}, which is not a DTO class`, 'class-validator');
  }
}

/**
 * A copy of `schema` in which each `{ $ref }` object that `replace` maps to a
 * schema is that schema (the other keys of the object kept). @internal
 */
export function replaceRefs(schema: JsonSchema, replace: (ref: string) => JsonSchema | undefined): JsonSchema {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if (typeof object.$ref === 'string') {
      const substitute = replace(object.$ref);
      if (substitute) {
        const { $ref: _ref, ...rest } = object;
        return { ...substitute, ...(walk(rest) as object) };
      }
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, walk(v)]));
  };
  return walk(schema) as JsonSchema;
}

/** Every `$ref` in a schema. @internal */
export function refsIn(schema: unknown, out: string[] = []): string[] {
  if (Array.isArray(schema)) {
    for (const item of schema) refsIn(item, out);
  } else if (schema !== null && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}
