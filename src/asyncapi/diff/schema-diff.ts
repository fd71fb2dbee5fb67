import type { JsonSchema } from '../asyncapi.types';
import type { ContractChangeKind } from './contract-change';

/** `'accepts'`: a payload a handler accepts (narrowing breaks senders); `'produces'`: a response (widening breaks callers). @internal */
export type Direction = 'accepts' | 'produces';

/** A change found inside a schema. @internal */
export interface SchemaFinding {
  readonly kind: ContractChangeKind;
  readonly breaking: boolean;
  readonly path: string;
  readonly message: string;
}

const LOWER = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
const EXACT = ['format', 'pattern', 'multipleOf'] as const;
/** Keywords compared one by one above; what else differs is reported as an unclassified change. */
const HANDLED = new Set<string>([
  ...LOWER, ...UPPER, ...EXACT,
  'type', 'nullable', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'oneOf',
  'title', 'description', 'default', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly', '$id', 'not',
]);

/**
 * Compares an old and a new schema of one payload (or response) and reports
 * what would break a sender (`accepts`) or a caller (`produces`), and what
 * would not. What it cannot classify is reported as a breaking `schema-changed`.
 * @internal
 */
export function diffSchemas(old: JsonSchema, neu: JsonSchema, direction: Direction, path = '', out: SchemaFinding[] = [], depth = 0): SchemaFinding[] {
  if (canonical(old) === canonical(neu) || depth > 64) return out;
  const o = flatten(old);
  const n = flatten(neu);
  const accepts = direction === 'accepts';
  const add = (kind: ContractChangeKind, breaking: boolean, message: string, at = path) => out.push({ kind, breaking, path: at, message });
  const narrowed = (message: string) => (accepts ? add('type-narrowed', true, message) : add('response-type-narrowed', false, message));
  const widened = (message: string) => (accepts ? add('type-widened', false, message) : add('response-type-widened', true, message));

  if (typeof o.$ref === 'string' || typeof n.$ref === 'string') {
    if (o.$ref !== n.$ref) add('schema-changed', true, 'a recursive schema changed in a way the check cannot classify');
    return out;
  }

  const [oTypes, nTypes] = [typesOf(o), typesOf(n)];
  const lost = [...oTypes].filter((t) => !covers(nTypes, t));
  const gained = [...nTypes].filter((t) => !covers(oTypes, t));
  if (lost.length) narrowed(`type was ${list(oTypes)}, is now ${list(nTypes)}`);
  if (gained.length) widened(`type was ${list(oTypes)}, is now ${list(nTypes)}`);

  const [oEnum, nEnum] = [enumOf(o), enumOf(n)];
  if (oEnum && nEnum) {
    const removed = oEnum.filter((v) => !nEnum.some((w) => canonical(w) === canonical(v)));
    const added = nEnum.filter((v) => !oEnum.some((w) => canonical(w) === canonical(v)));
    if (removed.length) {
      add(accepts ? 'enum-value-removed' : 'response-enum-value-removed', accepts, `enum value${removed.length > 1 ? 's' : ''} ${values(removed)} removed`);
    }
    if (added.length) {
      add(accepts ? 'enum-value-added' : 'response-enum-value-added', !accepts, `enum value${added.length > 1 ? 's' : ''} ${values(added)} added`);
    }
  } else if (nEnum) {
    narrowed(`now limited to ${values(nEnum)}`);
  } else if (oEnum) {
    widened(`no longer limited to ${values(oEnum)}`);
  }

  for (const key of LOWER) bound(key, o[key], n[key], (a, b) => b > a);
  for (const key of UPPER) bound(key, o[key], n[key], (a, b) => b < a);
  function bound(key: string, a: unknown, b: unknown, tighter: (a: number, b: number) => boolean) {
    if (a === b) return;
    if (typeof b === 'number' && (typeof a !== 'number' || tighter(a, b))) narrowed(`${key} ${typeof a === 'number' ? `changed from ${a} to ${b}` : `${b} added`}`);
    else widened(`${key} ${typeof b === 'number' ? `changed from ${String(a)} to ${b}` : `${String(a)} removed`}`);
  }
  for (const key of EXACT) {
    const [a, b] = [o[key], n[key]];
    if (canonical(a) === canonical(b)) continue;
    if (a === undefined) narrowed(`${key} ${JSON.stringify(b)} added`);
    else if (b === undefined) widened(`${key} ${JSON.stringify(a)} removed`);
    else add('schema-changed', true, `${key} changed from ${JSON.stringify(a)} to ${JSON.stringify(b)}`);
  }

  if (oTypes.has('object') || nTypes.has('object') || o.properties || n.properties) diffObjects(o, n, direction, path, out, depth);
  if (isSchema(o.items) && isSchema(n.items)) diffSchemas(o.items, n.items, direction, `${path}[]`, out, depth + 1);
  else if (canonical(o.items) !== canonical(n.items)) add('schema-changed', true, 'array items changed in a way the check cannot classify');

  const other = new Set([...Object.keys(o), ...Object.keys(n)].filter((k) => !HANDLED.has(k) && !k.startsWith('x-')));
  for (const key of ['anyOf', 'oneOf', 'not']) if (canonical(o[key]) !== canonical(n[key])) other.add(key);
  const changed = [...other].filter((k) => canonical(o[k]) !== canonical(n[k]));
  if (changed.length) add('schema-changed', true, `${changed.join(', ')} changed in a way the check cannot classify`);
  return out;
}

function diffObjects(o: JsonSchema, n: JsonSchema, direction: Direction, path: string, out: SchemaFinding[], depth: number): void {
  const accepts = direction === 'accepts';
  const oProps = props(o);
  const nProps = props(n);
  const oReq = new Set(Array.isArray(o.required) ? (o.required as string[]) : []);
  const nReq = new Set(Array.isArray(n.required) ? (n.required as string[]) : []);
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const add = (kind: ContractChangeKind, breaking: boolean, key: string, message: string) => out.push({ kind, breaking, path: at(key), message });
  for (const key of Object.keys(oProps)) {
    if (key in nProps) continue;
    if (accepts) add('field-removed', true, key, 'field removed: a sender that sets it is refused or loses it');
    else add('response-field-removed', true, key, 'response field removed: a caller that reads it breaks');
  }
  for (const key of Object.keys(nProps)) {
    if (key in oProps) continue;
    if (!accepts) add('response-field-added', false, key, 'response field added');
    else if (nReq.has(key)) add('required-field-added', true, key, 'required field added to a published version: add it in a new version with an upcaster instead');
    else add('optional-field-added', false, key, 'optional field added');
  }
  for (const key of Object.keys(oProps)) {
    if (!(key in nProps)) continue;
    if (accepts && !oReq.has(key) && nReq.has(key)) add('field-now-required', true, key, 'optional field made required: senders that leave it out are refused');
    if (accepts && oReq.has(key) && !nReq.has(key)) add('field-now-optional', false, key, 'required field made optional');
    if (!accepts && oReq.has(key) && !nReq.has(key)) add('response-field-now-optional', true, key, 'response field made optional: a caller that reads it may find nothing');
    diffSchemas(oProps[key]!, nProps[key]!, direction, at(key), out, depth + 1);
  }
  const [oExtra, nExtra] = [o.additionalProperties, n.additionalProperties];
  if (canonical(oExtra) === canonical(nExtra)) return;
  const closed = (v: unknown) => v === false;
  if (!closed(oExtra) && closed(nExtra)) {
    out.push(accepts
      ? { kind: 'type-narrowed', breaking: true, path, message: 'no longer accepts properties it does not declare' }
      : { kind: 'response-type-narrowed', breaking: false, path, message: 'no longer has undeclared properties' });
  } else if (closed(oExtra) && !closed(nExtra)) {
    out.push(accepts
      ? { kind: 'type-widened', breaking: false, path, message: 'now accepts properties it does not declare' }
      : { kind: 'response-type-widened', breaking: true, path, message: 'may now have properties it does not declare' });
  } else if (isSchema(oExtra) && isSchema(nExtra)) {
    diffSchemas(oExtra, nExtra, direction, path ? `${path}.*` : '*', out, depth + 1);
  }
}

/** An anyOf/oneOf of plain type schemas (zod's nullable, a union of literals) as one schema with several types. */
function flatten(schema: JsonSchema): JsonSchema {
  const union = (schema.anyOf ?? schema.oneOf) as unknown;
  if (!Array.isArray(union) || !union.every((m) => isSchema(m) && Object.keys(m).every((k) => ['type', 'enum', 'const', 'nullable', 'description', 'format'].includes(k)))) {
    return schema;
  }
  const members = union as JsonSchema[];
  const { anyOf: _a, oneOf: _o, ...rest } = schema;
  const types = new Set<string>(members.flatMap((m) => [...typesOf(m)]));
  const enums = members.map(enumOf);
  const formats = new Set(members.map((m) => m.format).filter((f) => f !== undefined));
  return {
    ...rest,
    ...(types.size ? { type: [...types] } : {}),
    ...(enums.every((e) => e !== undefined) ? { enum: enums.flatMap((e) => e!) } : {}),
    ...(formats.size === 1 && members.every((m) => m.format !== undefined || typesOf(m).has('null')) ? { format: [...formats][0] } : {}),
  };
}

function typesOf(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  const type = schema.type;
  if (typeof type === 'string') types.add(type);
  if (Array.isArray(type)) for (const t of type) if (typeof t === 'string') types.add(t);
  if (types.size === 0) {
    if (schema.properties) types.add('object');
    else if (schema.items) types.add('array');
    else for (const v of enumOf(schema) ?? []) types.add(v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v);
  }
  if (schema.nullable === true) types.add('null');
  return types;
}

/** Whether a value of type `t` is still allowed by `types` (empty: anything; number covers integer). */
function covers(types: Set<string>, t: string): boolean {
  return types.size === 0 || types.has(t) || (t === 'integer' && types.has('number'));
}

function enumOf(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum as unknown[];
  return 'const' in schema ? [schema.const] : undefined;
}

function props(schema: JsonSchema): Record<string, JsonSchema> {
  return isSchema(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function list(types: Set<string>): string {
  return types.size ? [...types].sort().join(' | ') : 'anything';
}

function values(list: readonly unknown[]): string {
  return list.map((v) => JSON.stringify(v)).join(', ');
}

/** JSON with keys sorted: equal schemas give equal text. @internal */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
