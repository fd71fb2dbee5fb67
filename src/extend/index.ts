/**
 * `nestjs-messaging/extend`: the building blocks under the main entry, for
 * those who extend the library rather than use it: the wire format (metadata
 * keys, encode/decode, ids), the server strategies behind
 * `messagingMicroservice()`, the error mapping, the contract codec, the
 * instrumentation interfaces, and the option types that the main entry's
 * options are made of. Applications need only `nestjs-messaging`.
 * @packageDocumentation
 */
export {
  type AnyMessagingClient,
} from '../module/messaging-clients';
export {
  MESSAGING_MODULE_OPTIONS,
} from '../module/messaging.constants';
export type {
  ClientContract,
  ConnectMode,
  MessagingClientBase,
  MessagingClientOptions,
  MessagingModuleAsyncFactoryResult,
  MessagingExistingClient,
  MessagingModuleRootOptions,
  MessagingProxyClient,
  MessagingTransportClient,
} from '../module/messaging.options';
export {
  type WrapOptions,
} from '../client/messaging-client';
export type {
  TcpClientOptions,
} from '../client/tcp-client.options';
export {
  backoffDelay,
  DEFAULT_CALL_POLICY,
  type RetryOptions,
} from '../client/call-policy';
export {
  APP_KEY_PREFIX,
  METADATA_FORMAT_VERSION,
  MetadataKeys,
  MetadataLimits,
} from '../wire/metadata-keys';
export {
  decodeMetadata,
  encodeMetadata,
  isValidId,
  newId,
  type AppMetadata,
  type WireMetadata,
} from '../wire/message-metadata';
export {
  type MessageContextInit,
  type MessageContextState,
} from '../context/message-context';
export type {
  RmqDeliveryOptions,
} from '../server/server.options';
export {
  MessagingServerTCP,
} from '../server/messaging-server-tcp';
export {
  MessagingServerRedis,
} from '../server/messaging-server-redis';
export {
  MessagingServerNats,
} from '../server/messaging-server-nats';
export {
  MessagingServerMqtt,
} from '../server/messaging-server-mqtt';
export {
  MessagingServerRMQ,
  RMQ_DELIVERIES_HEADER,
  RMQ_ERROR_HEADER,
  RMQ_ORIGINAL_QUEUE_HEADER,
} from '../server/messaging-server-rmq';
export {
  type HandlerDecoratorOptions,
} from '../handler/message-handler.decorator';
export {
  MessagingExceptionFilter,
} from '../handler/messaging-exception.filter';
export type {
  DedupeOptions,
} from '../handler/handler.options';
export {
  isContract,
  type AnyContract,
  type ContractDefinition,
  type EventContractDefinition,
  type CurrentOf,
  type MessageContractDefinition,
} from '../contract/message-contract';
export type {
  CurrentVersionOf,
  DataOf,
  DecodedPayloadOfVersion,
  DtoClass,
  InputOf,
  OutputOf,
  PayloadOfVersion,
  PayloadSchema,
  VersionMap,
} from '../contract/contract.types';
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
} from '../contract/standard-schema';
export {
  type ValidationIssue,
} from '../contract/contract.errors';
export {
  decodePayload,
  toDto,
  type DecodeOptions,
  type UnknownPropertiesMode,
} from '../contract/contract-codec';
export {
  toWireError,
  type FailureContext,
  type WireError,
  type WireFailure,
} from '../errors/wire-error';
export {
  HTTP_STATUS_BY_CODE,
} from '../http/messaging-http-exception.filter';
export {
  isMessagingErrorCode,
} from '../errors/error-codes';
export {
  type CallTimelineEntry,
  type MessagingErrorFields,
  type RemoteErrorFields,
} from '../errors/messaging.errors';
export type {
  CallInfo,
  CallObserver,
  HandlerInfo,
  HandlerObserver,
} from '../instrumentation/messaging-instrumentation';
export {
  DEFAULT_CORRELATION_ID_HEADER,
} from '../http/correlation-id.options';
export {
  type MessagingHttpModuleAsyncOptions,
} from '../http/messaging-http.module';
export {
  RequestTimeoutInterceptor,
} from '../http/request-timeout.decorator';
export {
  DEFAULT_REQUEST_TIMEOUT_HEADER,
  type RequestTimeoutOptions,
} from '../http/correlation-id.options';
export {
  parseTraceparent,
  type Traceparent,
} from '../wire/traceparent';
export {
  ClientResilience,
  type ResilienceSnapshot,
} from '../resilience/client-resilience';
export type {
  CircuitStateName,
} from '../resilience/circuit-breaker';
export type {
  BulkheadOptions,
  CircuitBreakerOptions,
  RetryBudgetOptions,
} from '../resilience/resilience.options';
export {
  type DedupeClaim,
  type MemoryDedupeStoreOptions,
  type RedisDedupeStoreOptions,
  type RedisLikeClient,
} from '../handler/dedupe-store';
export type {
  DrainResult,
} from '../context/in-flight';
