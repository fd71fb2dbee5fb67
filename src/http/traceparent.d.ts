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
export declare function parseTraceparent(value: unknown): Traceparent | undefined;
