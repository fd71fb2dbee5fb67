import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { ContractViolationError } from '../../../src';
import { inspectPayload } from '../../../src/contract/payload-guard';
import { type ValidationIssue } from '../../../src/extend';

/**
 * The reference: what `toDto` did before the plan, class-transformer then
 * class-validator on every call (the same payload guard first; class-validator's
 * forbidUnknownValues error, which names no property, at the refused object's path).
 */
export async function referenceToDto(cls: new () => object, data: unknown, reject: boolean): Promise<object> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw violation([{ path: '', constraints: { isObject: `payload must be an object, got ${kind(data)}` } }]);
  }
  const unsafe = inspectPayload(data).issue;
  if (unsafe) throw violation([unsafe]);
  const instance = plainToInstance(cls, data);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: reject, forbidUnknownValues: true });
  if (errors.length) throw violation(flatten(errors, ''));
  return instance;
}

function violation(issues: ValidationIssue[]): ContractViolationError {
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path || '(payload)'}: ${Object.values(i.constraints).join('; ')}`)
    .join(', ');
  return new ContractViolationError(`invalid payload (version 1): ${summary}`, 1, issues);
}

function flatten(errors: ValidationError[], prefix: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const e of errors) {
    const path = e.property === undefined ? prefix : prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length) issues.push({ path, constraints: { ...e.constraints } });
    if (e.children?.length) issues.push(...flatten(e.children, path));
  }
  return issues;
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Where two values differ, or `undefined`: same prototypes, same own keys in
 * the same order, same values (Object.is; Dates by time), recursively.
 */
export function difference(a: unknown, b: unknown, path = '$', seen = new Set<unknown>()): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return `${path}: ${describe(a)} vs ${describe(b)}`;
  }
  if (seen.has(a)) return undefined;
  seen.add(a);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `${path}: prototype ${nameOf(a)} vs ${nameOf(b)}`;
  }
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime()) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b as object);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) {
    return `${path}: keys [${ka.map(String).join(',')}] vs [${kb.map(String).join(',')}]`;
  }
  for (const k of ka) {
    if (k === 'length' && Array.isArray(a)) continue;
    const found = difference((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], `${path}.${String(k)}`, seen);
    if (found) return found;
  }
  return undefined;
}

function nameOf(v: unknown): string {
  return (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null';
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? JSON.stringify(v).slice(0, 200) : String(v);
  } catch {
    return String(v);
  }
}
