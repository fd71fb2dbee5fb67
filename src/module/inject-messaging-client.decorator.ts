import { Inject } from '@nestjs/common';
import { getMessagingClientToken } from './messaging.constants';

/**
 * Injects the MessagingClient named `name`.
 *
 * @example
 * constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}
 */
export function InjectMessagingClient(name: string): PropertyDecorator & ParameterDecorator {
  return Inject(getMessagingClientToken(name));
}
