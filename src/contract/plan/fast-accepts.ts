import type { ValidatorConstraintInterface } from 'class-validator';
import type { ValidationMetadata } from '../class-libraries';

/*
 * validator.js's isEmail costs ~2 µs a call: more than the rest of a small DTO's
 * decoding. For `@IsEmail()` with no options, the plan first tries a cheaper
 * test that accepts only a subset of what isEmail accepts: ASCII dot-atoms
 * `[A-Za-z0-9_+-]` before the `@` (64 characters at most), then labels of
 * letters, digits and inner hyphens (63 at most each) and a TLD of 2 to 63
 * letters, 254 characters in all. Walking validator.js's isEmail (13.x) with
 * its default options, every such string passes each of its checks: length,
 * byte length (ASCII), isFQDN (TLD, label length, characters, hyphens, no
 * underscore), not quoted, each local part in its character class. Anything
 * else (and every rejection) is decided by isEmail itself. The differential
 * suite checks the equivalence on both class-validator versions.
 */
const SIMPLE_EMAIL = /^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** Whether `value` is an e-mail address of the simple subset above. @internal */
export function isSimpleEmail(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 254) return false;
  const at = value.indexOf('@');
  return at > 0 && at <= 64 && SIMPLE_EMAIL.test(value);
}

/** Strings class-validator's own `@IsEmail()` must accept and refuse, to recognise it. */
const PROBES: ReadonlyArray<readonly [string, boolean]> = [
  ['user@example.com', true],
  ['first.last+tag@mail.example.org', true],
  ['user@example', false],
  ['not an email', false],
];

/**
 * A cheaper test that accepts a subset of what the constraint accepts, for
 * class-validator's own `@IsEmail()` without options (checked by probing the
 * constraint), else `undefined`.
 * @internal
 */
export function fastAcceptOf(
  type: string,
  metadata: ValidationMetadata,
  instance: ValidatorConstraintInterface | undefined,
): ((value: unknown) => boolean) | undefined {
  if (type !== 'isEmail' || !instance || !Array.isArray(metadata.constraints)) return undefined;
  if (metadata.constraints.length !== 1 || metadata.constraints[0] !== undefined) return undefined;
  try {
    const args = { targetName: '', property: metadata.propertyName, object: {}, value: undefined, constraints: metadata.constraints };
    for (const [probe, expected] of PROBES) if (instance.validate(probe, { ...args, value: probe }) !== expected) return undefined;
  } catch {
    return undefined;
  }
  return isSimpleEmail;
}
