import type { TransformMetadata, TypeMetadata } from 'class-transformer';
import { classTransformerStorage, type AnyClass } from '../class-libraries';

/** `TransformationType.PLAIN_TO_CLASS` of class-transformer. */
export const PLAIN_TO_CLASS = 0;

/**
 * What `plainToInstance` does for one class with its default options, read
 * once from class-transformer's metadata storage: which keys it copies, which
 * it renames (`@Expose({ name })`), skips (`@Exclude`, `@Expose` with groups),
 * the `@Type` of each property and its `@Transform` functions.
 * @internal
 */
export interface TransformPlan {
  readonly target: AnyClass;
  /** Why the plan does not cover this class (class-transformer transforms it), or `undefined`. */
  readonly fallback: string | undefined;
  /** Whether the payload's own keys are copied (not `@Exclude()` on the class). */
  readonly exposeAll: boolean;
  /** Keys `@Expose` adds to the payload's own (by their plain name), deduplicated. */
  readonly exposedKeys: readonly string[];
  /** Keys never copied: `@Exclude`, and `@Expose` restricted to groups. */
  readonly skipped: ReadonlySet<string> | undefined;
  /** Plain name -> property name, for `@Expose({ name })`. */
  readonly renamed: ReadonlyMap<string, string> | undefined;
  /** `@Type` metadata by property name. */
  readonly types: ReadonlyMap<string, TypeMetadata> | undefined;
  /** `@Transform` functions (plain to class, no groups) by property name, in the order they run. */
  readonly transforms: ReadonlyMap<string, readonly TransformMetadata[]> | undefined;
}

/**
 * Builds the transformation plan of `target`. Discriminators, `Map` and `Set`
 * properties are not covered: the plan says so and class-transformer runs.
 * @internal
 */
export function compileTransformPlan(target: AnyClass): TransformPlan {
  const storage = classTransformerStorage();
  const reasons: string[] = [];
  const typeMaps = perClassMaps(storage._typeMetadatas);
  const transformMaps = perClassMaps(storage._transformMetadatas);
  if (!typeMaps || !transformMaps) reasons.push('class-transformer metadata storage not recognised');
  const chain = classChain(target);

  const types = new Map<string, TypeMetadata>();
  for (const name of propertyNames(typeMaps, chain)) {
    const metadata = storage.findTypeMetadata(target, name);
    if (!metadata) continue;
    types.set(name, metadata);
    if (metadata.options?.discriminator) reasons.push(`${name}: @Type with a discriminator`);
    if (metadata.reflectedType === Map || metadata.reflectedType === Set) reasons.push(`${name}: a ${metadata.reflectedType.name} property`);
  }
  const transforms = new Map<string, TransformMetadata[]>();
  for (const name of propertyNames(transformMaps, chain)) {
    const metadatas = storage
      .findTransformMetadatas(target, name, PLAIN_TO_CLASS)
      .filter((m) => !m.options || !m.options.groups || !m.options.groups.length);
    if (metadatas.length) transforms.set(name, metadatas);
  }

  const exposedMetadatas = storage.getExposedMetadatas(target);
  const renamed = new Map<string, string>();
  const skipped = new Set<string>(storage.getExcludedProperties(target, PLAIN_TO_CLASS));
  for (const metadata of exposedMetadatas) {
    const name = metadata.options?.name;
    if (name !== undefined && !renamed.has(name)) renamed.set(name, metadata.propertyName!);
    const found = storage.findExposeMetadata(target, metadata.propertyName!);
    if (found?.options?.groups?.length) skipped.add(metadata.propertyName!);
  }
  const exposedKeys: string[] = [];
  for (const property of storage.getExposedProperties(target, PLAIN_TO_CLASS)) {
    const key = storage.findExposeMetadata(target, property)?.options?.name || property;
    if (!exposedKeys.includes(key)) exposedKeys.push(key);
  }
  const strategy = storage.getStrategy(target);
  return {
    target,
    fallback: reasons.length ? reasons.join('; ') : undefined,
    exposeAll: strategy !== 'excludeAll',
    exposedKeys: exposedKeys.filter((key) => !skipped.has(key)),
    skipped: skipped.size ? skipped : undefined,
    renamed: renamed.size ? renamed : undefined,
    types: types.size ? types : undefined,
    transforms: transforms.size ? transforms : undefined,
  };
}

type PerClass = Map<AnyClass, Map<string | undefined, unknown>>;

function perClassMaps(value: unknown): PerClass | undefined {
  return value instanceof Map ? (value as PerClass) : undefined;
}

/** `target` and its ancestors, as class-transformer walks them. */
function classChain(target: AnyClass): AnyClass[] {
  const chain = [target];
  for (let base = Object.getPrototypeOf(target) as AnyClass; base && base.prototype !== undefined; base = Object.getPrototypeOf(base) as AnyClass) {
    chain.push(base);
  }
  return chain;
}

function propertyNames(maps: PerClass | undefined, chain: readonly AnyClass[]): Set<string> {
  const names = new Set<string>();
  for (const cls of chain) {
    for (const name of maps?.get(cls)?.keys() ?? []) if (name !== undefined) names.add(name);
  }
  return names;
}
