import { ServerTCP, TcpContext, type TcpOptions } from '@nestjs/microservices';
import { incomingPacketMetadata } from './incoming-metadata';

type TcpServerOptions = NonNullable<TcpOptions['options']>;

/**
 * Nest's TCP server, plus: the packet's `metadata` field is readable by the
 * handler on Nest 11 as on Nest 12. Use it through {@link messagingMicroservice}.
 */
export class MessagingServerTCP extends ServerTCP {
  constructor(options: TcpServerOptions = {}) {
    super(options);
  }

  override handleMessage(socket: Parameters<ServerTCP['handleMessage']>[0], rawMessage: unknown): Promise<unknown> {
    // Nest 12's TcpContext shows the packet's metadata itself: no async context needed.
    if (CONTEXT_HAS_METADATA) return super.handleMessage(socket, rawMessage);
    const metadata = (rawMessage as { metadata?: unknown } | null)?.metadata;
    return incomingPacketMetadata.run({ metadata }, () => super.handleMessage(socket, rawMessage));
  }
}

/** Feature detection, not version detection: Nest 12's TcpContext has getMetadata(). */
const CONTEXT_HAS_METADATA = typeof (TcpContext.prototype as { getMetadata?: unknown }).getMetadata === 'function';
