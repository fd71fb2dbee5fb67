import type { Random } from './random';

/** What a generated payload is meant to be (the outcome is whatever the reference says). */
export type PayloadKind = 'valid' | 'near-valid' | 'hostile';

type Json = Record<string, unknown>;

export const EMAILS = [
  'user@example.com', 'first.last+tag@mail.example.org', 'a_b-c@sub-domain.example.io', 'UPPER@EXAMPLE.COM',
  'x@y.zz', 'user@example', 'user@@example.com', 'user.@example.com', '.user@example.com', 'us..er@example.com',
  'üser@example.com', '"quoted user"@example.com', 'user@[127.0.0.1]', 'user@-example.com', 'user@example-.com',
  'user@exa_mple.com', 'user@example.c', 'user@example.123', 'user@xn--p1ai.xn--p1ai', 'user@example.com.',
  ' user@example.com', 'user@example.com ', 'user name@example.com', `${'a'.repeat(64)}@example.com`,
  `${'a'.repeat(65)}@example.com`, `user@${'a'.repeat(63)}.com`, `user@${'a'.repeat(64)}.com`,
  `user@${'abcdefghi.'.repeat(25)}com`, 'a!#$%&\'*+/=?^_`{|}~-@example.com', 'user@ＥＸＡＭＰＬＥ.com', 'user@example.cöm',
  'Name <user@example.com>', 'user@localhost', 'user@sub.example.co.uk', 'u@e.museum', 'user@123.123.123.123',
];

export const STRINGS = [
  '', ' ', 'a', 'A', 'ab', 'abc', 'ABC', 'Abc', 'abc123', '123', '12345', '1234', '12.5', '-1', '0', 'true', 'false',
  'null', 'yes', 'no', 'admin', 'v1', 'v2', 'card', 'bank', 'cat', 'dog', 'new', 'paid', 'EUR', 'usd', 'DE', 'de', 'ZZ',
  '2024-01-15', '2024-02-30', '2024-13-01', '2024-01-15T10:20:30Z', '2024-01-15T10:20:30.123+02:00', 'not-a-date',
  '8f14e45f-ceea-467a-9a2c-0e8d7a5c4b11', '8f14e45f-ceea-167a-9a2c-0e8d7a5c4b11', '8f14e45f-ceea-467a-9a2c-0e8d7a5c4b1',
  'https://example.com/path?q=1', 'http://localhost:3000', 'example.com', 'ftp://files.example.com', 'javascript:alert(1)',
  '507f1f77bcf86cd799439011', '507f1f77bcf86cd79943901z', '192.168.0.1', '256.1.1.1', '::1', '#fff', '#A1B2C3', '#ggg',
  '{"a":1}', '{a:1}', '[]', '1.2.3', '1.2', 'aGVsbG8=', '+49 30 1234567', '030 1234567', 'a-b-c', 'some-slug', 'Not A Slug',
  '$value $property $target $constraint1 $&', '  padded  ', 'ünïcödé', 'emoji 🎉', '\u0000', 'x'.repeat(300), '4111111111111111',
  'DE89370400440532013000', 'lowercase', 'UPPERCASE', 'MiXeD', 'a b', 'tab\tchar', 'line\nbreak',
];

export const NUMBERS = [
  0, 1, -1, 2, 3, 5, 7, 10, 15, 42, 1.5, 0.1 + 0.2, 12.34, 12.345, 99.999, 100, 101, 149, 150, 151, 1e21, -0, NaN, Infinity,
  -Infinity, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 65535, 65536, 90, -91, 180.5, -180, 1_000_000, 1_000_001,
];

const OTHERS: readonly (() => unknown)[] = [
  () => null, () => undefined, () => true, () => false, () => [], () => [1], () => ['a'], () => ['a', 'a'], () => [null],
  () => [[]], () => ({}), () => ({ a: 1 }), () => ({ kind: 'cat', purrs: true }), () => ({ kind: 'dog', barks: 3 }),
  () => [{}], () => [{ label: 'x' }], () => ({ label: 'x', children: [] }),
];

/** Keys added where they do not belong: names of Object.prototype members, indices, the forbidden ones. */
const EXTRA_KEYS = [
  'extra', 'id', 'name', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
  '__defineGetter__', '__lookupSetter__', 'length', '0', '', 'then', 'computed', 'method', 'secret', 'user_name', 'userName',
  'adminOnly', 'constructor', 'prototype', '__proto__',
];

/** A value from every pool: wrong types, format look-alikes, containers. */
export function anyValue(rng: Random): unknown {
  const r = rng.next();
  if (r < 0.3) return rng.pick(STRINGS);
  if (r < 0.45) return rng.pick(EMAILS);
  if (r < 0.75) return rng.pick(NUMBERS);
  if (r < 0.97) return rng.pick(OTHERS)();
  return new Date(rng.pick([0, 946684800000, 4102444800001, NaN])); // a client may pass one: class-transformer handles it
}

/** `{ a: { a: ... { leaf } } }`, `depth` levels. */
export function deep(depth: number, leaf: unknown = 'leaf'): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Sets an own enumerable key, even `__proto__` (what JSON.parse does). */
export function setOwn(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

interface Slot {
  readonly parent: Json | unknown[];
  readonly key: string | number;
}

function slotsOf(value: unknown, out: Slot[], depth = 0): Slot[] {
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Date) return out;
  for (const key of Object.keys(value)) {
    const parent = value as Json;
    out.push({ parent, key: Array.isArray(value) ? Number(key) : key });
    slotsOf(parent[key], out, depth + 1);
  }
  return out;
}

function containersOf(value: unknown, out: unknown[], depth = 0): unknown[] {
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Date) return out;
  out.push(value);
  for (const key of Object.keys(value)) containersOf((value as Json)[key], out, depth + 1);
  return out;
}

/** One random change somewhere in `payload` (in place). */
export function mutate(payload: Json, rng: Random): void {
  const slots = slotsOf(payload, []);
  const op = rng.int(0, 9);
  const slot = slots.length ? rng.pick(slots) : undefined;
  const parent = slot?.parent as Json | undefined;
  const key = slot?.key as string;
  if (op <= 3 && parent) {
    parent[key] = anyValue(rng);
  } else if (op === 4 && parent) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (op === 5) {
    const containers = containersOf(payload, []).filter((c) => !Array.isArray(c)) as Json[];
    setOwn(rng.pick(containers), rng.pick(EXTRA_KEYS), anyValue(rng));
  } else if (op === 6 && parent) {
    parent[key] = rng.chance(0.5) ? [parent[key]] : [parent[key], parent[key]];
  } else if (op === 7 && parent) {
    const v = parent[key];
    parent[key] = typeof v === 'number' ? String(v) : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : typeof v === 'boolean' ? String(v) : null;
  } else if (op === 8) {
    const arrays = containersOf(payload, []).filter(Array.isArray) as unknown[][];
    if (arrays.length) {
      const a = rng.pick(arrays);
      if (rng.chance(0.5)) a.push(a.length ? a[rng.int(0, a.length - 1)] : anyValue(rng));
      else a.length = 0;
    } else if (parent) parent[key] = [];
  } else if (parent) {
    parent[key] = deep(rng.int(1, 70), rng.chance(0.5) ? {} : anyValue(rng));
  }
}

/** A payload for a fixture: valid (35%), near-valid (one or two changes, 45%), hostile (the rest). */
export function generate(valid: (rng: Random) => Json, rng: Random): { kind: PayloadKind; payload: unknown } {
  const payload = valid(rng);
  const r = rng.next();
  if (r < 0.35) return { kind: 'valid', payload };
  if (r < 0.8) {
    mutate(payload, rng);
    if (rng.chance(0.25)) mutate(payload, rng);
    return { kind: 'near-valid', payload };
  }
  const top = rng.next();
  if (top < 0.1) return { kind: 'hostile', payload: rng.pick<unknown>([null, 'payload', 42, true, [], [payload], undefined]) };
  for (let i = rng.int(2, 6); i > 0; i--) mutate(payload, rng);
  if (rng.chance(0.15)) setOwn(payload, '__proto__', { polluted: 'yes' });
  if (rng.chance(0.1)) setOwn(payload, rng.pick(['constructor', 'prototype']), { polluted: 'yes' });
  return { kind: 'hostile', payload };
}

/** A deep copy that keeps own `__proto__` keys, class instances and Dates as they are. */
export function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Json = {};
  for (const key of Object.keys(value)) setOwn(out, key, clone((value as Json)[key]));
  return out;
}
