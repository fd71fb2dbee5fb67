import type { ValidatorConstraintInterface } from 'class-validator';
import { classValidator, type ConstraintMetadata, type ValidationMetadata, type AnyClass } from '../class-libraries';
import { fastAcceptOf } from './fast-accepts';

/** One constraint class behind a decorator, as class-validator's executor finds it. @internal */
export interface ConstraintRef {
  /** The key of its failure in `constraints`: the constraint's name, else the metadata's type. */
  readonly type: string;
  readonly source: ConstraintMetadata;
  /**
   * The constraint instance, resolved once for the classes class-validator's
   * `registerDecorator` makes (every built-in decorator's): they hold no state.
   * `undefined` for an application's constraint class, which is asked of
   * class-validator's container on every call, as class-validator does.
   */
  readonly instance: ValidatorConstraintInterface | undefined;
  /** A cheaper test that accepts a subset of what the constraint accepts (see fast-accepts.ts). */
  readonly fastAccept: ((value: unknown) => boolean) | undefined;
}

/** A decorator of a property and its constraint classes. @internal */
export interface ConstraintCheck {
  readonly metadata: ValidationMetadata;
  readonly constraints: readonly ConstraintRef[];
}

/** What class-validator runs for one property, sorted as its executor sorts it. @internal */
export interface PropertyPlan {
  readonly name: string;
  /** `@IsOptional`, `@ValidateIf`: every one is called; the property is checked only if all hold. */
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  /** `@IsDefined` (run before the others). */
  readonly defined: readonly ConstraintCheck[];
  /** Every other constraint decorator, in declaration order. */
  readonly custom: readonly ConstraintCheck[];
  /** `@ValidateNested`, if any. */
  readonly nested: ValidationMetadata | undefined;
}

/**
 * The validation of one class, built once from class-validator's metadata
 * storage with the options the library validates with (no groups, whitelist,
 * forbidUnknownValues).
 * @internal
 */
export interface ValidationPlan {
  readonly target: AnyClass;
  /** Why the plan cannot validate this class (class-validator does), or `undefined`. */
  readonly fallback: string | undefined;
  /** The class has no validation metadata: forbidUnknownValues refuses its instances. */
  readonly unknownValue: boolean;
  /** The metadata grouped by property, as the executor's whitelist reads it. */
  readonly grouped: Readonly<Record<string, readonly ValidationMetadata[]>>;
  readonly properties: readonly PropertyPlan[];
  /** The classes `@ValidateNested` properties declare with `@Type`, for the start-up check. */
  readonly nestedProperties: readonly string[];
}

/**
 * Builds the validation plan of `target` from class-validator's metadata
 * storage: the same metadata (inherited ones included, duplicates dropped) its
 * executor would select for `validate(instance, { whitelist, forbidUnknownValues })`.
 * @internal
 */
export function compileValidationPlan(target: AnyClass): ValidationPlan {
  const cv = classValidator();
  const types = cv.ValidationTypes;
  const storage = cv.getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(target, undefined as unknown as string, false, false, undefined);
  const grouped = storage.groupByPropertyName(metadatas);
  const reasons: string[] = [];
  const properties: PropertyPlan[] = [];
  const nestedProperties: string[] = [];
  for (const name of Object.keys(grouped)) {
    const conditions: PropertyPlan['conditions'][number][] = [];
    const defined: ConstraintCheck[] = [];
    const custom: ConstraintCheck[] = [];
    const nested: ValidationMetadata[] = [];
    for (const metadata of grouped[name]!) {
      switch (metadata.type) {
        case types.IS_DEFINED:
          defined.push(check(metadata, reasons));
          break;
        case types.CUSTOM_VALIDATION:
          custom.push(check(metadata, reasons));
          break;
        case types.NESTED_VALIDATION:
          nested.push(metadata);
          break;
        case types.CONDITIONAL_VALIDATION:
          conditions.push(metadata.constraints[0] as PropertyPlan['conditions'][number]);
          break;
        case types.WHITELIST:
          break;
        default:
          reasons.push(`${name}: ${metadata.type} metadata`);
      }
    }
    if (nested.length > 1) reasons.push(`${name}: ${nested.length} @ValidateNested decorators`);
    if (nested.length) nestedProperties.push(name);
    properties.push({ name, conditions, defined, custom, nested: nested[0] });
  }
  return {
    target,
    fallback: reasons.length ? reasons.join('; ') : undefined,
    unknownValue: metadatas.length === 0,
    grouped,
    properties,
    nestedProperties,
  };
}

function check(metadata: ValidationMetadata, reasons: string[]): ConstraintCheck {
  const storage = classValidator().getMetadataStorage();
  const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls).map((source): ConstraintRef => {
    if (source.async) reasons.push(`${metadata.propertyName}: asynchronous constraint ${source.name || metadata.type}`);
    const type = source.name ? source.name : metadata.type;
    const instance = stateless(source);
    return { type, source, instance, fastAccept: fastAcceptOf(type, metadata, instance) };
  });
  return { metadata, constraints };
}

/** The instance of a constraint class made by class-validator's `registerDecorator`, else `undefined`. */
function stateless(source: ConstraintMetadata): ValidatorConstraintInterface | undefined {
  if (source.target.name !== 'CustomConstraint') return undefined;
  try {
    return source.instance;
  } catch {
    return undefined; // an application container that throws: ask on every call, as class-validator does
  }
}
