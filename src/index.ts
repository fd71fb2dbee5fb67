export { MessagingModule } from './module/messaging.module';
export { MessagingClients, type AnyMessagingClient } from './module/messaging-clients';
export { getMessagingClientToken, MESSAGING_MODULE_OPTIONS } from './module/messaging.constants';
export { InjectMessagingClient } from './module/inject-messaging-client.decorator';
export type {
  ClientContract,
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
} from './module/messaging.options';

export { MessagingClient, type CallOptions, type ContractCallOptions, type WrapOptions } from './client/messaging-client';
export { MessagingClientSerializer } from './client/messaging-client.serializer';
export type { TcpClientOptions } from './client/tcp-client.options';
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
} from './wire/metadata-keys';
export {
  decodeMetadata,
  encodeMetadata,
  isValidId,
  newId,
  type AppMetadata,
  type MessageMetadata,
  type WireMetadata,
} from './wire/message-metadata';
export {
  getMessageContext,
  runWithMessageContext,
  timeLeft,
  type MessageContextInit,
  type MessageContextState,
} from './context/message-context';

export { messagingMicroservice, type MessagingMicroserviceOptions } from './server/messaging-microservice';
export type { MessagingServerOptions, RmqDeliveryOptions } from './server/server.options';
export { MessagingServerTCP } from './server/messaging-server-tcp';
export { MessagingServerRedis } from './server/messaging-server-redis';
export { MessagingServerNats } from './server/messaging-server-nats';
export { MessagingServerMqtt } from './server/messaging-server-mqtt';
export {
  MessagingServerRMQ,
  RMQ_DELIVERIES_HEADER,
  RMQ_ERROR_HEADER,
  RMQ_ORIGINAL_QUEUE_HEADER,
} from './server/messaging-server-rmq';
export { MessageMeta } from './handler/message-meta.decorator';
export { MessageHandler, EventHandler, type HandlerDecoratorOptions } from './handler/message-handler.decorator';
export { MessagingExceptionFilter } from './handler/messaging-exception.filter';
export type { DedupeOptions, MessagingHandlerOptions } from './handler/handler.options';
export { MessagingContext } from './context/messaging-context.service';

export {
  defineEvent,
  defineMessage,
  isContract,
  type AnyContract,
  type ContractDefinition,
  type EventContractDefinition,
  type CurrentOf,
  type DecodedPayloadOf,
  type EventContract,
  type MessageContract,
  type MessageContractDefinition,
  type PayloadOf,
  type ResponseOf,
  type VersionsOf,
} from './contract/message-contract';
export type {
  CurrentVersionOf,
  DecodedPayloadOfVersion,
  DtoClass,
  InputOf,
  OutputOf,
  PayloadOfVersion,
  PayloadSchema,
  Upcasters,
  VersionMap,
} from './contract/contract.types';
export {
  isStandardSchema,
  type InferSchemaInput,
  type InferSchemaOutput,
  type StandardSchemaFailure,
  type StandardSchemaIssue,
  type StandardSchemaPathSegment,
  type StandardSchemaProps,
  type StandardSchemaResult,
  type StandardSchemaSuccess,
  type StandardSchemaV1,
} from './contract/standard-schema';
export { ContractViolationError, UnsupportedVersionError, type ValidationIssue } from './contract/contract.errors';
export { decodePayload, toDto, type DecodeOptions, type UnknownPropertiesMode } from './contract/contract-codec';
export { toWireError, type FailureContext, type WireError, type WireFailure } from './errors/wire-error';
export {
  HTTP_STATUS_BY_CODE,
  MessagingHttpExceptionFilter,
  type MessagingHttpErrorBody,
} from './http/messaging-http-exception.filter';

export { MessagingErrorCode, isMessagingErrorCode } from './errors/error-codes';
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
  type CallTimelineEntry,
  type MessagePattern,
  type MessagingErrorFields,
  type RemoteErrorFields,
} from './errors/messaging.errors';
export type {
  CallInfo,
  CallObserver,
  HandlerInfo,
  HandlerObserver,
  MessagingInstrumentation,
} from './instrumentation/messaging-instrumentation';

export { CorrelationIdMiddleware } from './http/correlation-id.middleware';
export { DEFAULT_CORRELATION_ID_HEADER, type CorrelationIdOptions } from './http/correlation-id.options';
export { MessagingHttpModule, type MessagingHttpModuleAsyncOptions } from './http/messaging-http.module';
export { RequestTimeout, RequestTimeoutInterceptor } from './http/request-timeout.decorator';
export { DEFAULT_REQUEST_TIMEOUT_HEADER, type RequestTimeoutOptions } from './http/correlation-id.options';
export { parseTraceparent, type Traceparent } from './wire/traceparent';
export { CorrelationIdLogger } from './context/correlation-id.logger';

export { ClientResilience, type ResilienceSnapshot } from './resilience/client-resilience';
export type { CircuitStateName } from './resilience/circuit-breaker';
export type {
  BulkheadOptions,
  CircuitBreakerOptions,
  ClientResilienceOptions,
  RetryBudgetOptions,
} from './resilience/resilience.options';
export { MessagingBulkheadRejectedError, MessagingCircuitOpenError } from './resilience/resilience.errors';
export {
  MemoryDedupeStore,
  RedisDedupeStore,
  type DedupeClaim,
  type DedupeStore,
  type MemoryDedupeStoreOptions,
  type RedisDedupeStoreOptions,
  type RedisLikeClient,
} from './handler/dedupe-store';
export type { DrainResult } from './context/in-flight';
