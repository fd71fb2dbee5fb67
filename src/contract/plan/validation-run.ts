import type { ValidationArguments } from 'class-validator';
import type { ValidationMetadata, AnyClass } from '../class-libraries';
import type { ValidationIssue } from '../contract.errors';
import { constraintMessage } from './messages';
import { isThenable, PlanBailout } from './plan-bailout';
import type { ConstraintCheck, PropertyPlan, ValidationPlan } from './validation-plan';

/** Plans by class, compiled on first sight (nested instances may be of any class). @internal */
export type PlanLookup = (target: AnyClass) => ValidationPlan;

type Constraints = Record<string, string>;

const UNKNOWN_VALUE = 'an unknown value was passed to the validate function';

/**
 * Validates `object` with its plan, as class-validator's executor does with
 * `{ whitelist: true, forbidNonWhitelisted: reject, forbidUnknownValues: true }`,
 * and returns the issues in the order the library flattens class-validator's
 * error tree: a property's own constraints, then its nested properties.
 * With `reject` false, properties without metadata are deleted (stripped).
 *
 * @throws PlanBailout where the plan does not cover a value (the caller runs class-validator).
 * @internal
 */
export function validateWithPlan(plan: ValidationPlan, object: object, reject: boolean, planOf: PlanLookup): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  execute(object.constructor === plan.target ? plan : planOf(object.constructor as AnyClass), object, '', reject, planOf, out);
  return out;
}

function join(prefix: string, property: string): string {
  return prefix ? `${prefix}.${property}` : property;
}

function execute(plan: ValidationPlan, object: object, prefix: string, reject: boolean, planOf: PlanLookup, out: ValidationIssue[]): void {
  if (plan.fallback !== undefined) throw new PlanBailout(`${plan.target.name}: ${plan.fallback}`);
  if (plan.unknownValue) {
    out.push({ path: prefix, constraints: { unknownValue: UNKNOWN_VALUE } });
    return;
  }
  const record = object as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const metadatas = plan.grouped[key];
    if (!metadatas || metadatas.length === 0) {
      if (reject) out.push({ path: join(prefix, key), constraints: { whitelistValidation: `property ${key} should not exist` } });
      else delete record[key];
    }
  }
  for (const property of plan.properties) {
    validateProperty(property, object, record[property.name], prefix, reject, planOf, out);
  }
}

function validateProperty(
  property: PropertyPlan,
  object: object,
  value: unknown,
  prefix: string,
  reject: boolean,
  planOf: PlanLookup,
  out: ValidationIssue[],
): void {
  const conditions = property.conditions;
  if (conditions.length) {
    let holds = true;
    for (const condition of conditions) holds = condition(object, value) && holds; // each is called, as class-validator does
    if (!holds) return;
  }
  let constraints: Constraints | undefined;
  if (property.defined.length) constraints = runChecks(property.defined, object, value, constraints);
  if (property.custom.length) constraints = runChecks(property.custom, object, value, constraints);
  const nested = property.nested;
  let container = false;
  if (nested && value !== undefined) {
    if (Array.isArray(value) || value instanceof Object) {
      if (value instanceof Set || value instanceof Map) throw new PlanBailout(`${property.name}: a ${value.constructor.name} to validate`);
      container = true;
    } else {
      (constraints ??= {})[nested.type] = constraintMessage(nested.target as AnyClass, value, nested, undefined);
    }
  }
  const path = constraints || container ? join(prefix, property.name) : '';
  if (constraints) out.push({ path, constraints });
  if (container) validateNested(nested!, value as object, path, reject, planOf, out);
}

function validateNested(nested: ValidationMetadata, value: object, path: string, reject: boolean, planOf: PlanLookup, out: ValidationIssue[]): void {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index: number) => {
      if (item === undefined) return;
      const at = join(path, String(index));
      if (Array.isArray(item) || item instanceof Object) {
        if (item instanceof Set || item instanceof Map) throw new PlanBailout(`${nested.propertyName}: a ${item.constructor.name} to validate`);
        validateNested(nested, item as object, at, reject, planOf, out);
      } else {
        out.push({ path: at, constraints: { [nested.type]: constraintMessage(nested.target as AnyClass, item, nested, undefined) } });
      }
    });
    return;
  }
  const target = value.constructor;
  if (typeof target !== 'function') throw new PlanBailout(`${nested.propertyName}: an object without a constructor`);
  execute(planOf(target as AnyClass), value, path, reject, planOf, out);
}

function runChecks(checks: readonly ConstraintCheck[], object: object, value: unknown, constraints: Constraints | undefined): Constraints | undefined {
  for (const { metadata, constraints: refs } of checks) {
    // class-validator 0.15's per-decorator `validateIf` (0.14 does not copy it into the metadata).
    const validateIf = (metadata as { validateIf?: (object: object, value: unknown) => boolean }).validateIf;
    if (validateIf && !validateIf(object, value)) continue;
    for (const ref of refs) {
      const fast = ref.fastAccept;
      const single = !metadata.each || !(Array.isArray(value) || value instanceof Set || value instanceof Map);
      if (fast && single && fast(value)) continue;
      const instance = ref.instance ?? ref.source.instance;
      const args: ValidationArguments = {
        targetName: object.constructor ? object.constructor.name : (undefined as unknown as string),
        property: metadata.propertyName,
        object,
        value,
        constraints: metadata.constraints,
      };
      let valid: boolean;
      if (single) {
        const result = instance.validate(value, args);
        if (isThenable(result)) throw new PlanBailout(`${metadata.propertyName}: constraint ${ref.type} returned a promise`);
        valid = !!result;
      } else {
        if (!Array.isArray(value)) throw new PlanBailout(`${metadata.propertyName}: each over a ${(value as object).constructor.name}`);
        const results = value.map((item: unknown) => (fast && fast(item)) || instance.validate(item, args));
        if (results.some(isThenable)) throw new PlanBailout(`${metadata.propertyName}: constraint ${ref.type} returned a promise`);
        valid = results.every((result) => result);
      }
      if (!valid) (constraints ??= {})[ref.type] = constraintMessage(object, value, metadata, instance);
    }
  }
  return constraints;
}
