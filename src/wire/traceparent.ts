/** A W3C trace context `traceparent` header, parsed. */
export interface Traceparent {
  /** Version, two hex digits (`00` today). */
  readonly version: string;
  /** Trace id: 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** Id of the caller's span: 16 lower-case hex digits, not all zero. */
  readonly parentId: string;
  /** Trace flags as a number (bit 0: sampled). */
  readonly flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lower-case hex. Returns `undefined` for
 * anything invalid: version `ff`, an all-zero trace or parent id, a wrong
 * length, upper-case digits, or extra fields on version `00`. A later version
 * may carry more fields after the flags; they are ignored.
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { version, traceId, parentId, flags: parseInt(flags, 16) };
}
