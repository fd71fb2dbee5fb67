import { classTransformer, type AnyClass } from '../class-libraries';
import { isThenable, PlanBailout } from './plan-bailout';
import { PLAIN_TO_CLASS, type TransformPlan } from './transform-plan';

/** Plans by class, compiled on first sight. @internal */
export type TransformPlanLookup = (target: AnyClass) => TransformPlan;

type Plain = Record<string, unknown>;
type Constructor = new () => object;

/** class-transformer's default options, as its `@Transform` functions receive them. */
const DEFAULT_OPTIONS = {
  enableCircularCheck: false,
  enableImplicitConversion: false,
  excludeExtraneousValues: false,
  excludePrefixes: undefined,
  exposeDefaultValues: false,
  exposeUnsetFields: true,
  groups: undefined,
  ignoreDecorators: false,
  strategy: undefined,
  targetMaps: undefined,
  version: undefined,
} as const;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `plainToInstance(plan.target, value)` by the plan: the same instance, built
 * the way class-transformer's `TransformOperationExecutor` builds it, for a
 * JSON-like value (plain objects, arrays, primitives: the caller checks).
 *
 * @throws PlanBailout where the plan does not cover a value.
 * @internal
 */
export function transformWithPlan(plan: TransformPlan, value: Plain, planOf: TransformPlanLookup): object {
  return transformObject(plan, value, planOf);
}

function transform(value: unknown, targetType: unknown, arrayType: unknown, planOf: TransformPlanLookup): unknown {
  if (targetType === undefined && (value === null || typeof value !== 'object')) return value; // every branch below agrees
  if (Array.isArray(value)) {
    const out: { push(item: unknown): unknown } = arrayType ? instantiateArrayType(arrayType) : [];
    value.forEach((item: unknown) => {
      out.push(transform(item, targetType, undefined, planOf));
    });
    return out;
  }
  if (targetType === String) return value === null || value === undefined ? value : String(value);
  if (targetType === Number) return value === null || value === undefined ? value : Number(value);
  if (targetType === Boolean) return value === null || value === undefined ? value : Boolean(value);
  if (targetType === Date || value instanceof Date) {
    if (value instanceof Date) return new Date(value.valueOf());
    return value === null || value === undefined ? value : new Date(value as string);
  }
  if (targetType === Buffer || value instanceof Buffer) {
    return value === null || value === undefined ? value : Buffer.from(value as string);
  }
  if (isThenable(value)) throw new PlanBailout('a promise to transform');
  if (typeof value === 'object' && value !== null) {
    if (targetType === undefined) return copyPlain(value as Plain, planOf);
    if (typeof targetType !== 'function') throw new PlanBailout(`a @Type that is not a class: ${String(targetType)}`);
    const plan = planOf(targetType as AnyClass);
    if (plan.fallback !== undefined) return classTransformer().plainToInstance(targetType as Constructor, value);
    return transformObject(plan, value as Plain, planOf);
  }
  return value;
}

/** class-transformer's `instantiateArrayType`. */
function instantiateArrayType(arrayType: unknown): { push(item: unknown): unknown } {
  const array = new (arrayType as Constructor)() as { push?: unknown };
  if (array instanceof Set) throw new PlanBailout('a Set to fill');
  if (!('push' in array)) return [];
  return array as { push(item: unknown): unknown };
}

/** A nested plain object with no `@Type`: copied key by key into a plain object. */
function copyPlain(value: Plain, planOf: TransformPlanLookup): Plain {
  const out: Plain = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor') continue;
    if (skips(out, Object.prototype, key)) continue;
    out[key] = transform(value[key], undefined, undefined, planOf);
  }
  return out;
}

function transformObject(plan: TransformPlan, value: Plain, planOf: TransformPlanLookup): object {
  const instance = new (plan.target as Constructor)() as Plain;
  const proto = (instance.constructor as { prototype?: object } | undefined)?.prototype;
  if (plan.exposeAll) {
    for (const key of Object.keys(value)) {
      if (plan.skipped?.has(key)) continue;
      copyKey(plan, value, key, instance, proto, planOf);
    }
  }
  for (const key of plan.exposedKeys) {
    if (plan.exposeAll && hasOwn.call(value, key)) continue; // already copied
    copyKey(plan, value, key, instance, proto, planOf);
  }
  return instance;
}

function copyKey(plan: TransformPlan, value: Plain, key: string, instance: Plain, proto: object | undefined, planOf: TransformPlanLookup): void {
  if (key === '__proto__' || key === 'constructor') return;
  const property = plan.renamed?.get(key) ?? key;
  const subValue = value[key];
  const typeMetadata = plan.types?.get(property);
  let type: unknown;
  if (typeMetadata) {
    type = typeMetadata.typeFunction
      ? typeMetadata.typeFunction({ newObject: instance, object: value, property })
      : typeMetadata.reflectedType;
  }
  const arrayType: unknown = Array.isArray(subValue) && typeMetadata ? typeMetadata.reflectedType : undefined;
  if (skips(instance, proto, property)) return;
  let finalValue = transform(subValue, type, arrayType, planOf);
  const transforms = plan.transforms?.get(property);
  if (transforms) {
    for (const metadata of transforms) {
      finalValue = metadata.transformFn({ value: finalValue, key: property, obj: value, type: PLAIN_TO_CLASS, options: { ...DEFAULT_OPTIONS } });
    }
  }
  instance[property] = finalValue;
}

/**
 * class-transformer leaves alone a key that names a method or a read-only
 * accessor of the new object's class (`proto`: its constructor's prototype),
 * or holds a function already (an inherited method).
 */
function skips(target: Plain, proto: object | undefined, key: string): boolean {
  if (!proto) return false;
  const descriptor = Object.getOwnPropertyDescriptor(proto, key);
  return (descriptor !== undefined && !descriptor.set) || target[key] instanceof Function;
}
