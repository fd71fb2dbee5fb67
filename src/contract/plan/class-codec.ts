import { Logger } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { classTransformer, classTransformerStorage, classValidator, type AnyClass } from '../class-libraries';
import type { ValidationIssue } from '../contract.errors';
import { PlanBailout } from './plan-bailout';
import { compileTransformPlan, type TransformPlan } from './transform-plan';
import { transformWithPlan } from './transform-run';
import { compileValidationPlan, type ValidationPlan } from './validation-plan';
import { validateWithPlan } from './validation-run';

const logger = new Logger('MessagingContracts');

/**
 * How one DTO class is decoded: its transformation and validation plans, or
 * `undefined` where class-transformer / class-validator run instead.
 * @internal
 */
export interface ClassCodec {
  readonly target: AnyClass;
  transform: TransformPlan | undefined;
  validation: ValidationPlan | undefined;
  /** Why each part falls back, for the debug log and the tests. */
  readonly reasons: { transform?: string; validation?: string };
}

/** A decoded DTO: the instance and the failed checks (none: valid). @internal */
export interface ClassOutcome {
  readonly instance: object;
  readonly issues: ValidationIssue[];
}

const codecs = new WeakMap<AnyClass, ClassCodec>();
const transformPlans = new WeakMap<AnyClass, TransformPlan>();
const validationPlans = new WeakMap<AnyClass, ValidationPlan>();

/** The transformation plan of a class, compiled on first use. @internal */
export function transformPlanOf(target: AnyClass): TransformPlan {
  let plan = transformPlans.get(target);
  if (!plan) transformPlans.set(target, (plan = compileTransformPlan(target)));
  return plan;
}

/** The validation plan of a class, compiled on first use. @internal */
export function validationPlanOf(target: AnyClass): ValidationPlan {
  let plan = validationPlans.get(target);
  if (!plan) validationPlans.set(target, (plan = compileValidationPlan(target)));
  return plan;
}

/**
 * The codec of a DTO class, decided once (on first use, or when a server
 * registers a handler of its contract) and logged at debug level: which parts
 * run by plan, which fall back to class-transformer / class-validator and why.
 * @internal
 */
export function classCodecOf(target: AnyClass): ClassCodec {
  let codec = codecs.get(target);
  if (codec) return codec;
  const transform = transformPlanOf(target);
  const validationFallback = validationFallbackOf(target, new Set());
  codec = {
    target,
    transform: transform.fallback === undefined ? transform : undefined,
    validation: validationFallback === undefined ? validationPlanOf(target) : undefined,
    reasons: { transform: transform.fallback, validation: validationFallback },
  };
  codecs.set(target, codec);
  logger.debug(describeCodec(codec));
  return codec;
}

function describeCodec(codec: ClassCodec): string {
  const { transform, validation } = codec.reasons;
  if (transform === undefined && validation === undefined) return `${codec.target.name}: transformation and validation by plan`;
  return [
    `${codec.target.name}:`,
    transform === undefined ? 'transformation by plan,' : `transformation by class-transformer (${transform}),`,
    validation === undefined ? 'validation by plan' : `validation by class-validator (${validation})`,
  ].join(' ');
}

/**
 * Why the plan cannot validate `target`: its own plan's reason, or that of a
 * class its `@ValidateNested` properties name with `@Type(() => Class)`.
 */
function validationFallbackOf(target: AnyClass, seen: Set<AnyClass>): string | undefined {
  seen.add(target);
  const plan = validationPlanOf(target);
  if (plan.fallback !== undefined) return plan.fallback;
  const storage = classTransformerStorage();
  for (const property of plan.nestedProperties) {
    const typeFunction = storage.findTypeMetadata(target, property)?.typeFunction;
    if (!typeFunction || typeFunction.length > 0) continue; // known at run time only
    let nested: unknown;
    try {
      nested = typeFunction();
    } catch {
      continue;
    }
    if (typeof nested !== 'function' || seen.has(nested as AnyClass)) continue;
    const reason = validationFallbackOf(nested as AnyClass, seen);
    if (reason !== undefined) return `${property}: ${nested.name}: ${reason}`;
  }
  return undefined;
}

/**
 * Transforms and validates `data` into an instance of `target` (whitelist;
 * `reject`: unknown properties are issues, else stripped; forbidUnknownValues),
 * by plan where the codec has one. A plan that meets what it does not cover
 * hands the payload to the libraries, and the class stays with them.
 * Synchronous where the plan validates (no promise to wait for per message).
 * @internal
 */
export function decodeClass(target: AnyClass, data: object, reject: boolean, plain: boolean): ClassOutcome | Promise<ClassOutcome> {
  const codec = classCodecOf(target);
  let instance = transformClass(codec, data, plain);
  if (codec.validation) {
    try {
      return { instance, issues: validateWithPlan(codec.validation, instance, reject, validationPlanOf) };
    } catch (err) {
      if (!(err instanceof PlanBailout)) throw err;
      demote(codec, 'validation', err.reason);
      instance = transformClass(codec, data, plain); // the plan may have stripped properties already
    }
  }
  return validateWithLibrary(instance, reject);
}

async function validateWithLibrary(instance: object, reject: boolean): Promise<ClassOutcome> {
  const errors = await classValidator().validate(instance, { whitelist: true, forbidNonWhitelisted: reject, forbidUnknownValues: true });
  return { instance, issues: flattenErrors(errors, '') };
}

function transformClass(codec: ClassCodec, data: object, plain: boolean): object {
  if (plain && codec.transform) {
    try {
      return transformWithPlan(codec.transform, data as Record<string, unknown>, transformPlanOf);
    } catch (err) {
      if (!(err instanceof PlanBailout)) throw err;
      demote(codec, 'transform', err.reason);
    }
  }
  return classTransformer().plainToInstance(codec.target as new () => object, data);
}

function demote(codec: ClassCodec, part: 'transform' | 'validation', reason: string): void {
  codec[part] = undefined;
  codec.reasons[part] = `at run time: ${reason}`;
  logger.debug(describeCodec(codec));
}

/**
 * class-validator's error tree as the library's issues: depth first, a
 * property's own constraints before its nested ones. Its forbidUnknownValues
 * error names no property: it is reported at the path of the object refused.
 * @internal
 */
export function flattenErrors(errors: readonly ValidationError[], prefix: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const e of errors) {
    const path = e.property === undefined ? prefix : prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length) issues.push({ path, constraints: { ...e.constraints } });
    if (e.children?.length) issues.push(...flattenErrors(e.children, path));
  }
  return issues;
}
