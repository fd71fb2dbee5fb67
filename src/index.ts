export { MessagingModule } from './messaging.module';
export { MessagingClients } from './messaging-clients';
export { getMessagingClientToken, MESSAGING_MODULE_OPTIONS } from './messaging.constants';
export { InjectMessagingClient } from './inject-messaging-client.decorator';
export type {
  ConnectMode,
  MessagingClientBase,
  MessagingClientDefinition,
  MessagingExistingClient,
  MessagingModuleAsyncOptions,
  MessagingModuleOptions,
  MessagingModuleRootOptions,
  MessagingOptionsFactory,
  MessagingProxyClient,
  MessagingTransportClient,
} from './messaging.options';

export { MessagingClient, type CallOptions, type ContractCallOptions } from './client/messaging-client';
export { MessagingClientSerializer } from './client/messaging-client.serializer';
export {
  backoffDelay,
  DEFAULT_CALL_POLICY,
  type CallPolicy,
  type RetryEvent,
  type RetryOptions,
} from './client/call-policy';

export {
  APP_KEY_PREFIX,
  METADATA_FORMAT_VERSION,
  MetadataKeys,
  MetadataLimits,
} from './metadata/metadata-keys';
export {
  decodeMetadata,
  encodeMetadata,
  isValidId,
  newId,
  type AppMetadata,
  type MessageMetadata,
  type WireMetadata,
} from './metadata/message-metadata';
export {
  getMessageContext,
  runWithMessageContext,
  timeLeft,
  type MessageContextInit,
  type MessageContextState,
} from './metadata/message-context';

export { messagingMicroservice, type MessagingMicroserviceOptions } from './server/messaging-microservice';
export { MessagingServerTCP } from './server/messaging-server-tcp';
export { MessagingInterceptor } from './handler/messaging.interceptor';
export { MessageMeta } from './handler/message-meta.decorator';
export { MessageHandler, EventHandler, type HandlerDecoratorOptions } from './handler/message-handler.decorator';
export { MessagingExceptionFilter } from './handler/messaging-exception.filter';
export type { MessagingHandlerOptions } from './handler/handler.options';
export { MessagingContext } from './metadata/messaging-context.service';

export {
  defineEvent,
  defineMessage,
  isContract,
  type AnyContract,
  type ContractDefinition,
  type EventContractDefinition,
  type CurrentOf,
  type CurrentVersionOf,
  type DtoClass,
  type EventContract,
  type MessageContract,
  type MessageContractDefinition,
  type PayloadOf,
  type PayloadOfVersion,
  type ResponseOf,
  type Upcasters,
  type VersionMap,
  type VersionsOf,
} from './contract/message-contract';
export { ContractViolationError, UnsupportedVersionError, type ValidationIssue } from './contract/contract.errors';
export { decodePayload, toDto, type DecodeOptions, type UnknownPropertiesMode } from './contract/contract-codec';
export { toWireError, type FailureContext, type WireError, type WireFailure } from './errors/wire-error';
export {
  HTTP_STATUS_BY_CODE,
  MessagingHttpExceptionFilter,
  type MessagingHttpErrorBody,
} from './errors/messaging-http-exception.filter';

export { MessagingErrorCode, isMessagingErrorCode } from './errors/error-codes';
export {
  InvalidMetadataError,
  MessagingClientClosedError,
  MessagingConfigurationError,
  MessagingConnectionError,
  MessagingError,
  MessagingRemoteError,
  MessagingRetriesExhaustedError,
  MessagingTimeoutError,
  type MessagePattern,
  type MessagingErrorFields,
  type RemoteErrorFields,
} from './errors/messaging.errors';

export { ClientResilience, type ResilienceSnapshot } from './resilience/client-resilience';
export type { CircuitStateName } from './resilience/circuit-breaker';
export type {
  BulkheadOptions,
  CircuitBreakerOptions,
  ClientResilienceOptions,
  RetryBudgetOptions,
} from './resilience/resilience.options';
export {
  MessagingBulkheadRejectedError,
  MessagingCircuitOpenError,
  MessagingPayloadTooLargeError,
} from './resilience/resilience.errors';
export {
  MemoryDedupeStore,
  RedisDedupeStore,
  type DedupeStore,
  type MemoryDedupeStoreOptions,
  type RedisDedupeStoreOptions,
  type RedisLikeClient,
} from './resilience/dedupe-store';
export type { DedupeOptions } from './handler/handler.options';
export { InFlightTracker, trackInFlight, holdInFlight, type DrainResult } from './resilience/in-flight';
export type { MessagingServerOptions } from './resilience/server.options';
