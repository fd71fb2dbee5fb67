import { Inject } from '@nestjs/common';
import { getMessagingClientToken } from './messaging.constants';

/**
 * Injects the client named `name`: a MessagingClient, or a MessagingGrpcClient
 * (from `nestjs-messaging/grpc`) for a client defined with `Transport.GRPC`.
 *
 * @example
 * constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}
 */
export function InjectMessagingClient(name: string): PropertyDecorator & ParameterDecorator {
  return Inject(getMessagingClientToken(name));
}
