import type { ValidationArguments, ValidatorConstraintInterface } from 'class-validator';
import type { ValidationMetadata } from '../class-libraries';

/**
 * The message of a failed constraint, built as class-validator's
 * `ValidationExecutor.createValidationError` builds it: the decorator's
 * `message`, else the constraint's `defaultMessage`, then the `$value`,
 * `$property`, `$target` and `$constraintN` tokens replaced.
 * @internal
 */
export function constraintMessage(
  object: object,
  value: unknown,
  metadata: ValidationMetadata,
  instance: ValidatorConstraintInterface | undefined,
): string {
  const args: ValidationArguments = {
    targetName: object.constructor ? object.constructor.name : (undefined as unknown as string),
    property: metadata.propertyName,
    object,
    value,
    constraints: metadata.constraints,
  };
  let message: ValidationMetadata['message'] = metadata.message || '';
  if (!metadata.message && instance && instance.defaultMessage instanceof Function) {
    message = instance.defaultMessage(args);
  }
  return replaceTokens(message, args);
}

/** class-validator's `ValidationUtils.replaceMessageSpecialTokens` (not exported by it). */
function replaceTokens(message: ValidationMetadata['message'], args: ValidationArguments): string {
  let text: string | undefined;
  if (message instanceof Function) text = message(args);
  else if (typeof message === 'string') text = message;
  if (text && Array.isArray(args.constraints)) {
    args.constraints.forEach((constraint: unknown, index: number) => {
      text = text!.replace(new RegExp(`\\$constraint${index + 1}`, 'g'), constraintToString(constraint));
    });
  }
  const value: unknown = args.value;
  if (text && value !== undefined && value !== null && ['string', 'boolean', 'number'].includes(typeof value)) {
    text = text.replace(/\$value/g, String(value));
  }
  if (text) text = text.replace(/\$property/g, String(args.property));
  if (text) text = text.replace(/\$target/g, String(args.targetName));
  return text as string;
}

function constraintToString(constraint: unknown): string {
  if (Array.isArray(constraint)) return constraint.join(', ');
  if (typeof constraint === 'symbol') return `${constraint.description}`;
  return `${constraint as string}`;
}
