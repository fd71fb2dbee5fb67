/**
 * nestjs-messaging: what an application needs. Building blocks for server
 * strategies, transports, instrumentation and wire tooling are in
 * `nestjs-messaging/extend`; tests use `nestjs-messaging/testing`.
 * @packageDocumentation
 */

// Module and injection
export { MessagingModule } from './module/messaging.module';
export { MessagingClients } from './module/messaging-clients';
export { getMessagingClientToken } from './module/messaging.constants';
export { InjectMessagingClient } from './module/inject-messaging-client.decorator';
export type {
  MessagingAsyncClient,
  MessagingClientDefinition,
  MessagingModuleAsyncOptions,
  MessagingModuleOptions,
  MessagingOptionsFactory,
} from './module/messaging.options';

// Client
export { MessagingClient, type CallOptions, type ContractCallOptions } from './client/messaging-client';
export { MessagingClientSerializer } from './client/messaging-client.serializer';
export { MessagingTcpClient, type MessagingTcpClientOptions } from './client/tcp/messaging-tcp-client';
export type { CallPolicy, RetryEvent } from './client/call-policy';
export type { MessagePattern as MessagingPattern } from './errors/messaging.errors';

// Handlers and the message context
export { MessageHandler, EventHandler } from './handler/message-handler.decorator';
export { MessageMeta } from './handler/message-meta.decorator';
export type { MessagingHandlerOptions } from './handler/handler.options';
export { getMessageContext, runWithMessageContext, timeLeft } from './context/message-context';
export type { MessageMetadata } from './wire/message-metadata';
export { MessagingContext } from './context/messaging-context.service';
export { CorrelationIdLogger } from './context/correlation-id.logger';

// Server
export { messagingMicroservice, type MessagingMicroserviceOptions } from './server/messaging-microservice';
export type { MessagingServerOptions } from './server/server.options';

// Contracts
export {
  defineEvent,
  defineMessage,
  type DecodedPayloadOf,
  type EventContract,
  type MessageContract,
  type PayloadOf,
  type ResponseOf,
  type VersionsOf,
} from './contract/message-contract';
export type { Upcasters } from './contract/contract.types';
export type { StandardSchemaV1 } from './contract/standard-schema';

// Errors
export { MessagingErrorCode } from './errors/error-codes';
export {
  InvalidMetadataError,
  MessagingClientClosedError,
  MessagingConfigurationError,
  MessagingConnectionError,
  MessagingError,
  MessagingPayloadTooLargeError,
  MessagingRemoteError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
} from './errors/messaging.errors';
export { ContractViolationError, UnsupportedVersionError } from './contract/contract.errors';
export { MessagingBulkheadRejectedError, MessagingCircuitOpenError } from './resilience/resilience.errors';

// HTTP edge
export { MessagingHttpModule } from './http/messaging-http.module';
export { CorrelationIdMiddleware } from './http/correlation-id.middleware';
export type { CorrelationIdOptions } from './http/correlation-id.options';
export { MessagingHttpExceptionFilter, type MessagingHttpErrorBody } from './http/messaging-http-exception.filter';
export { RequestTimeout } from './http/request-timeout.decorator';

// Resilience, dedupe, instrumentation
export type { ClientResilienceOptions } from './resilience/resilience.options';
export { MemoryDedupeStore, RedisDedupeStore, type DedupeStore } from './handler/dedupe-store';
export type { MessagingInstrumentation } from './instrumentation/messaging-instrumentation';
