import type { ArgumentsHost } from '@nestjs/common';
import { decodeMetadata, type MessageMetadata } from '../metadata/message-metadata';
import { readIncomingMetadata } from '../server/incoming-metadata';

const decoded = new WeakMap<object, MessageMetadata>();

/**
 * The decoded metadata of the message an RPC host handles. Decoded once per
 * message (the RPC context object is one per message), so guards, the
 * interceptor, parameter decorators and the exception filter see the same ids,
 * even the fresh ones made for a message that carried none.
 * @internal
 */
export function messageMetadataOf(host: ArgumentsHost): MessageMetadata {
  const rpcContext: unknown = host.switchToRpc().getContext();
  const key = typeof rpcContext === 'object' && rpcContext !== null ? rpcContext : undefined;
  const cached = key && decoded.get(key);
  if (cached) return cached;
  const metadata = decodeMetadata(readIncomingMetadata(rpcContext));
  if (key) decoded.set(key, metadata);
  return metadata;
}

/** The pattern (or subject, topic) an RPC host handles, as text, if the transport's context tells it. @internal */
export function patternOf(host: ArgumentsHost): string | undefined {
  const ctx = host.switchToRpc().getContext() as
    | { getPattern?: () => unknown; getSubject?: () => unknown; getTopic?: () => unknown; getChannel?: () => unknown }
    | undefined;
  // TCP, RMQ: getPattern; NATS: getSubject; MQTT: getTopic; Redis: getChannel.
  const pattern = ctx?.getPattern?.() ?? ctx?.getSubject?.() ?? ctx?.getTopic?.() ?? ctx?.getChannel?.();
  return typeof pattern === 'string' ? pattern : pattern === undefined ? undefined : JSON.stringify(pattern);
}
