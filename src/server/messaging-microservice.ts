import { Transport, type CustomStrategy, type TcpOptions } from '@nestjs/microservices';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { MessagingServerTCP } from './messaging-server-tcp';
import { checkServerOptions, type MessagingServerOptions } from '../resilience/server.options';

/** Microservice options that {@link messagingMicroservice} accepts: Nest's own, for a supported transport. */
export type MessagingMicroserviceOptions = TcpOptions;

/**
 * Turns Nest's microservice options into options whose server carries the
 * library's metadata to handlers on Nest 11 and 12 alike. Pass the result to
 * `app.connectMicroservice()` or `NestFactory.createMicroservice()`.
 *
 * @param server the library's server options (graceful shutdown).
 * @throws MessagingConfigurationError for a transport this version does not support, or invalid server options.
 * @example
 * app.connectMicroservice(messagingMicroservice({ transport: Transport.TCP, options: { port: 3001 } }, { gracePeriod: 10_000 }));
 */
export function messagingMicroservice(options: MessagingMicroserviceOptions, server?: MessagingServerOptions): CustomStrategy {
  const transport = options.transport ?? Transport.TCP;
  const problems = checkServerOptions(server);
  if (problems.length) throw new MessagingConfigurationError(problems.join('; '));
  if (transport === Transport.TCP) {
    return { strategy: new MessagingServerTCP(options.options, server) };
  }
  throw new MessagingConfigurationError(
    `messagingMicroservice: transport ${String(transport)} is not supported by this version; use Transport.TCP`,
  );
}
