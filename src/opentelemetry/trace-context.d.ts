import { type Context } from '@opentelemetry/api';
/**
 * The caller's span as a remote parent, from W3C trace context (`traceparent`,
 * `tracestate`); the root context when `traceparent` is absent or invalid.
 * @internal
 */
export declare function remoteContext(traceparent: unknown, tracestate: unknown): Context;
