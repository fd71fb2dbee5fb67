import { ServerTCP, type TcpOptions } from '@nestjs/microservices';
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
    const metadata = (rawMessage as { metadata?: unknown } | null)?.metadata;
    return incomingPacketMetadata.run({ metadata }, () => super.handleMessage(socket, rawMessage));
  }
}
