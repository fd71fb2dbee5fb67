import type { INestApplicationContext } from '@nestjs/common';
import type { MessagingMicroserviceOptions } from '../server/messaging-microservice';
import type { AsyncApiDocument } from './asyncapi.types';
import { discoverApp } from './discovery';
import { buildDocument } from './document-builder';

/** Options of {@link generateAsyncApi}. */
export interface AsyncApiOptions {
  /**
   * The document's `info`.
   * @default { title: 'Nest application', version: '1.0.0' }
   */
  info?: { title?: string; version?: string; description?: string };
  /**
   * This application's servers, by id: the options you give
   * `messagingMicroservice()` (or `connectMicroservice`). They become the
   * document's servers, on which its handlers receive. The peers of its
   * clients are added from the clients' own options.
   * @example { tcp: { transport: Transport.TCP, options: { host: '0.0.0.0', port: 3001 } } }
   */
  servers?: Record<string, MessagingMicroserviceOptions>;
}

/**
 * The AsyncAPI 3.0 document of a Nest application: a channel per pattern it
 * handles or its clients send, a message per contract version (its JSON
 * Schema, the library's metadata map as headers with the version in
 * `msg-payload-version`), `receive` operations for its handlers
 * (`@MessageHandler`/`@EventHandler`, and plain `@MessagePattern`/`@EventPattern`
 * without a payload schema), `send` operations for the `contracts` its clients
 * declare, request-reply with the response schema and the wire error, and
 * the transports' servers and bindings.
 *
 * The application need not listen: `NestFactory.createApplicationContext` or
 * an app that is not started yet is enough (what `npx nestjs-messaging asyncapi` does).
 * Loads `class-validator-jsonschema` (for DTO contracts) and the schema
 * libraries' converters on first use; the package's main entry never does.
 *
 * @throws SchemaConversionError when a contract's schema cannot be converted to JSON Schema.
 * @example
 * import { generateAsyncApi } from 'nestjs-messaging/asyncapi';
 * const doc = await generateAsyncApi(app, {
 *   info: { title: 'users-service', version: '2.3.0' },
 *   servers: { nats: { transport: Transport.NATS, options: { servers: ['nats://nats:4222'] } } },
 * });
 */
export async function generateAsyncApi(app: INestApplicationContext, options: AsyncApiOptions = {}): Promise<AsyncApiDocument> {
  const discovered = discoverApp(app);
  const info = {
    title: options.info?.title ?? 'Nest application',
    version: options.info?.version ?? '1.0.0',
    ...(options.info?.description ? { description: options.info.description } : {}),
  };
  return buildDocument(discovered, { info, servers: options.servers ?? {} });
}
