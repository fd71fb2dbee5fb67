import { createTraceState, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { parseTraceparent } from '../wire/traceparent';

/**
 * The caller's span as a remote parent, from W3C trace context (`traceparent`,
 * `tracestate`); the root context when `traceparent` is absent or invalid.
 * @internal
 */
export function remoteContext(traceparent: unknown, tracestate: unknown): Context {
  const parent = parseTraceparent(traceparent);
  if (!parent) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.parentId,
    traceFlags: parent.flags & 0xff,
    isRemote: true,
    traceState: typeof tracestate === 'string' && tracestate.length <= 512 ? createTraceState(tracestate) : undefined,
  });
}
