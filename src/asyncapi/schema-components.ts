import type { AnyClass } from '../contract/class-libraries';
import type { PayloadSchema } from '../contract/contract.types';
import type { AsyncApiReference, JsonSchema } from './asyncapi.types';
import { DEFINITIONS } from './class-json-schema';
import { bundleOf, mapRefs, within } from './json-schema';
import { safeName } from './pattern-names';
import { SchemaConversionError, type SchemaConversionSite } from './schema-conversion.error';

const COMPONENTS = '#/components/schemas/';

/**
 * The `components.schemas` of a document being built: each DTO class once,
 * under its class name (nested DTOs too); each Standard Schema once, under
 * the name of its first use (`cmd.create_order.v2`), its own definitions
 * beside it (`cmd.create_order.v2.Address`).
 * @internal
 */
export class SchemaComponents {
  /** The schemas, by component name. */
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly classes = new Map<string, AnyClass>();
  private readonly placed = new Map<PayloadSchema, AsyncApiReference>();
  private readonly vendors = new Map<PayloadSchema, string>();

  /** Puts a named schema of the library's own (the metadata map, the wire error). */
  putOwn(name: string, schema: JsonSchema): AsyncApiReference {
    this.schemas[name] = schema;
    return { $ref: COMPONENTS + name };
  }

  /**
   * Converts and places a contract's schema, once.
   * @param name the component name of a Standard Schema (a DTO class is named by its class).
   * @throws SchemaConversionError naming the site.
   */
  put(schema: PayloadSchema, name: string, site: SchemaConversionSite): AsyncApiReference {
    const known = this.placed.get(schema);
    if (known) return known;
    const bundle = within(site, () => bundleOf(schema));
    this.vendors.set(schema, bundle.vendor);
    let ref: AsyncApiReference;
    if (bundle.className !== undefined) {
      for (const [className, cls] of bundle.classes ?? []) {
        const owner = this.classes.get(className);
        if (owner && owner !== cls) {
          throw new SchemaConversionError(
            `two different DTO classes are named ${className}: JSON Schemas are named by class, rename one of them`,
            'class-validator',
            site,
          );
        }
        this.classes.set(className, cls);
      }
      const toComponent = (ref: string) => (ref.startsWith(DEFINITIONS) ? COMPONENTS + safeName(ref.slice(DEFINITIONS.length)) : ref);
      for (const [defName, def] of bundle.definitions) this.schemas[safeName(defName)] = mapRefs(def, toComponent);
      this.schemas[safeName(bundle.className)] = mapRefs(bundle.root, toComponent);
      ref = { $ref: COMPONENTS + safeName(bundle.className) };
    } else {
      const base = this.free(safeName(name));
      const toComponent = (ref: string) =>
        ref === '#' ? COMPONENTS + base : ref.startsWith(DEFINITIONS) ? `${COMPONENTS}${base}.${safeName(ref.slice(DEFINITIONS.length))}` : ref;
      for (const [defName, def] of bundle.definitions) this.schemas[`${base}.${safeName(defName)}`] = mapRefs(def, toComponent);
      this.schemas[base] = mapRefs(bundle.root, toComponent);
      ref = { $ref: COMPONENTS + base };
    }
    this.placed.set(schema, ref);
    return ref;
  }

  /** The vendor of a placed schema (`'class-validator'`, `'zod'`...). */
  vendorOf(schema: PayloadSchema): string | undefined {
    return this.vendors.get(schema);
  }

  private free(base: string): string {
    let name = base;
    for (let n = 2; name in this.schemas; n++) name = `${base}-${n}`;
    return name;
  }
}
