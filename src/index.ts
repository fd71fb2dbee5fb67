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

export { MessagingClient, type CallOptions } from './client/messaging-client';
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
  type MessageContextInit,
  type MessageContextState,
} from './metadata/message-context';

export { messagingMicroservice, type MessagingMicroserviceOptions } from './server/messaging-microservice';
export { MessagingServerTCP } from './server/messaging-server-tcp';
export { MessagingInterceptor } from './handler/messaging.interceptor';
export { MessageMeta } from './handler/message-meta.decorator';

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

export { MessagingHttpModule } from './http/messaging-http.module';
export { CorrelationIdMiddleware } from './http/correlation-id.middleware';
export { DEFAULT_CORRELATION_ID_HEADER, type CorrelationIdOptions } from './http/correlation-id.options';
