import type { ValidationIssue } from './contract.errors';

/** Deepest payload nesting accepted (JSON.parse has no limit; validators recurse). */
export const MAX_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** What {@link inspectPayload} found. @internal */
export interface PayloadInspection {
  /** The first unsafe spot (too deep, a forbidden key), depth first, or `undefined`. */
  readonly issue: ValidationIssue | undefined;
  /**
   * Whether the payload is JSON-like: primitives, plain objects and arrays
   * only (what a transport's JSON.parse makes). A client may pass anything
   * else (a Date, a Map, a class instance): class-transformer handles those.
   */
  readonly plain: boolean;
}

interface Found {
  /** The keys from the unsafe spot up to the root. */
  readonly keys: string[];
  readonly constraints: Record<string, string>;
}

/**
 * Walks a payload once, before any transformation: refuses nesting deeper than
 * {@link MAX_DEPTH} and the keys `__proto__`, `constructor` and `prototype`
 * anywhere, and tells whether it is JSON-like.
 * @internal
 */
export function inspectPayload(value: unknown): PayloadInspection {
  const state = { plain: true };
  const found = walk(value, 0, state);
  if (!found) return { issue: undefined, plain: state.plain };
  let path = '';
  for (let i = found.keys.length - 1; i >= 0; i--) path = path ? `${path}.${found.keys[i]}` : found.keys[i]!;
  return { issue: { path, constraints: found.constraints }, plain: state.plain };
}

function walk(value: unknown, depth: number, state: { plain: boolean }): Found | undefined {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') state.plain = false;
    return undefined;
  }
  if (state.plain && Object.getPrototypeOf(value) !== (Array.isArray(value) ? Array.prototype : Object.prototype)) {
    state.plain = false;
  }
  if (depth > MAX_DEPTH) return { keys: [], constraints: { maxDepth: `payload is nested deeper than ${MAX_DEPTH} levels` } };
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { keys: [key], constraints: { forbiddenKey: `property name '${key}' is not allowed` } };
    const found = walk((value as Record<string, unknown>)[key], depth + 1, state);
    if (found) {
      found.keys.push(key);
      return found;
    }
  }
  return undefined;
}
