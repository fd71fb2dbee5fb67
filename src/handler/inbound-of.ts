import type { ArgumentsHost } from '@nestjs/common';
import { currentInbound, type InboundMessage } from '../context/message-context';
import { readAnyContext } from '../wire/carriers';
import { decodeMetadata, type MessageMetadata } from '../wire/message-metadata';
import { HandlerRoute } from './handler-route';
import { describePattern, type MessagePattern } from '../errors/messaging.errors';

/**
 * The received message that the library's inbound pipeline is running for
 * the RPC host `host`, if any (undefined when a server that is not the
 * library's serves the handler).
 * @internal
 */
export function inboundOf(host: ArgumentsHost): InboundMessage | undefined {
  const inbound = currentInbound();
  return inbound !== undefined && inbound.context === host.switchToRpc().getContext() ? inbound : undefined;
}

/** The route the pipeline dispatched `inbound` to. @internal */
export function routeOf(inbound: InboundMessage | undefined): HandlerRoute | undefined {
  return inbound?.route instanceof HandlerRoute ? inbound.route : undefined;
}

const decoded = new WeakMap<object, MessageMetadata>();

/**
 * The decoded metadata of the message an RPC host handles: the pipeline's,
 * or, under a server that is not the library's, decoded from the transport's
 * context once per message (so the fallback guard, `@MessageMeta()` and the
 * error filter see the same ids, even fresh ones).
 * @internal
 */
export function metadataOf(host: ArgumentsHost): MessageMetadata {
  const piped = inboundOf(host)?.message;
  if (piped) return piped;
  const context: unknown = host.switchToRpc().getContext();
  const key = typeof context === 'object' && context !== null ? context : undefined;
  const cached = key && decoded.get(key);
  if (cached) return cached;
  const metadata = decodeMetadata(readAnyContext(context));
  if (key) decoded.set(key, metadata);
  return metadata;
}

/** The pattern (subject, topic, channel) an RPC host handles, as text, if its context tells it. @internal */
export function patternOf(host: ArgumentsHost): string | undefined {
  const route = routeOf(inboundOf(host));
  if (route) return route.destination;
  const ctx = host.switchToRpc().getContext() as
    | { getPattern?: () => unknown; getSubject?: () => unknown; getTopic?: () => unknown; getChannel?: () => unknown }
    | undefined;
  const pattern = ctx?.getPattern?.() ?? ctx?.getSubject?.() ?? ctx?.getTopic?.() ?? ctx?.getChannel?.();
  return typeof pattern === 'string' ? pattern : pattern === undefined ? undefined : describePattern(pattern as MessagePattern);
}
