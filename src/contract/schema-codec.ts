import type { ValidationIssue } from './contract.errors';
import type { StandardSchemaIssue, StandardSchemaResult, StandardSchemaV1 } from './standard-schema';

/** The outcome of a Standard Schema: its output value, or the library's issues. @internal */
export type SchemaOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: ValidationIssue[] };

/**
 * Validates `data` with a Standard Schema (awaiting it if the schema is
 * asynchronous) and turns its issues into the library's: one per path, in the
 * order the schema reported them.
 * @internal
 */
export async function validateWithSchema(schema: StandardSchemaV1, data: unknown): Promise<SchemaOutcome> {
  let result = schema['~standard'].validate(data);
  if (result instanceof Promise) result = await result;
  const { issues } = result as StandardSchemaResult<unknown>;
  if (issues) return { ok: false, issues: toIssues(issues) };
  return { ok: true, value: (result as { value: unknown }).value };
}

/**
 * Standard Schema issues as the library's: the path dotted (`items.0.sku`), the
 * constraint named by the issue's `code` (zod, arktype) or `type` (valibot),
 * else `invalid`; two issues of one name on one path join their messages with `; `.
 */
function toIssues(issues: readonly StandardSchemaIssue[]): ValidationIssue[] {
  const byPath = new Map<string, Record<string, string>>();
  for (const issue of issues) {
    const path = (issue.path ?? []).map((segment) => keyText(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
    const extra = issue as { code?: unknown; type?: unknown };
    const name = typeof extra.code === 'string' ? extra.code : typeof extra.type === 'string' ? extra.type : 'invalid';
    let constraints = byPath.get(path);
    if (!constraints) byPath.set(path, (constraints = {}));
    constraints[name] = constraints[name] === undefined ? issue.message : `${constraints[name]}; ${issue.message}`;
  }
  return [...byPath].map(([path, constraints]) => ({ path, constraints }));
}

function keyText(key: PropertyKey): string {
  return typeof key === 'symbol' ? (key.description ?? key.toString()) : String(key);
}
