/**
 * Nest's route of a pattern: a string or number as it is; an object with its
 * keys sorted, as `{"cmd":"get_user"}` (what Nest's `normalizePattern` makes,
 * and what NATS subjects, MQTT topics and Redis channels are named by).
 * @internal
 */
export function routeOf(pattern: unknown): string {
  if (typeof pattern === 'string' || typeof pattern === 'number') return String(pattern);
  if (pattern === null || typeof pattern !== 'object') return String(pattern);
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const parts = Object.keys(pattern)
    .sort((a, b) => a.localeCompare(b))
    .map((key) => {
      const value: unknown = (pattern as Record<string, unknown>)[key];
      return `"${escape(key)}":${typeof value === 'string' ? `"${escape(value)}"` : routeOf(value)}`;
    });
  return `{${parts.join(',')}}`;
}

/**
 * A name for a pattern that AsyncAPI accepts as a channel, operation or
 * component key (`[A-Za-z0-9._-]`): `{ cmd: 'get_user' }` -> `cmd.get_user`,
 * `'user_created'` -> `user_created`.
 * @internal
 */
export function slugOf(pattern: unknown): string {
  const raw =
    pattern !== null && typeof pattern === 'object'
      ? Object.keys(pattern)
          .sort((a, b) => a.localeCompare(b))
          .map((key) => `${key}.${slugOf((pattern as Record<string, unknown>)[key])}`)
          .join('.')
      : String(pattern);
  return safeName(raw);
}

/** `name` with every character AsyncAPI keys do not allow replaced by `_`. @internal */
export function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.length ? safe : '_';
}

/** Hands out unique keys: `base`, then `base-2`, `base-3`... @internal */
export class UniqueNames {
  private readonly taken = new Set<string>();

  /** A key not handed out before, made from `base`. */
  take(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}-${n}`;
    this.taken.add(name);
    return name;
  }
}
