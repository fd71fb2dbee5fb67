import { applyDecorators, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { createGrpcMethodMetadata, GrpcMethodStreamingType, GrpcStreamMethod, MessagePattern, Transport } from '@nestjs/microservices';
import type { MessageContract } from '../contract/message-contract';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { HANDLER_CONFIG, HANDLER_CONFIG_METADATA, type HandlerConfig } from './handler-config';
import { checkHandlerOptions } from './handler-options.validate';
import type { MessagingHandlerOptions } from './handler.options';
import { behindOtherFilters } from './message-handler.decorator';
import { MessagingExceptionFilter } from './messaging-exception.filter';
import { ServedByLibraryGuard } from './served-by-library.guard';

/** Options of {@link GrpcHandler}. */
export interface GrpcHandlerOptions extends Pick<MessagingHandlerOptions, 'unknownProperties' | 'exposeErrors' | 'maxPayloadSize'> {
  /**
   * The request's contract (made by `defineMessage`; its pattern is not used):
   * the request is validated, and turned into the DTO of the current version,
   * before the handler runs; an invalid one is answered INVALID_ARGUMENT with
   * the failing fields in the trailing metadata.
   */
  contract?: MessageContract;
}

/** Options of {@link GrpcStreamHandler}. */
export type GrpcStreamHandlerOptions = Pick<MessagingHandlerOptions, 'exposeErrors'>;

/**
 * Nest's `@GrpcMethod(service, method)` as a handler of the library: under
 * the library's gRPC server (`messagingMicroservice({ transport: Transport.GRPC, ... })`)
 * it runs in the inbound pipeline (message context with the call's
 * metadata, deadline and `AbortSignal`; the request validated against its
 * `contract`), and whatever it throws is answered with the gRPC status of
 * the library's error code, the structured error in the trailing metadata
 * (`msg-error-bin`): a `MessagingError`'s code, an HttpException's mapped
 * code, INTERNAL without message or stack for anything unexpected (unless
 * `exposeErrors`). Nest's guards, pipes, interceptors and filters run as usual.
 * A plain `@GrpcMethod` on the library's server gets the message context too,
 * and Nest's own error mapping.
 *
 * @param service the service name in the proto (default: the class name).
 * @param method the rpc name (default: the method name, capitalised).
 * @throws MessagingConfigurationError for invalid options.
 * @example
 * @GrpcHandler('Users', 'GetUser', { contract: GetUser })
 * getUser(request: GetUserV1, metadata: Metadata, call: ServerUnaryCall<GetUserV1, User>): Promise<User> {}
 */
export function GrpcHandler(service?: string, method?: string, options: GrpcHandlerOptions = {}): MethodDecorator {
  const { contract, ...handlerOptions } = options;
  if (contract !== undefined && contract.kind !== 'message') {
    throw new MessagingConfigurationError('@GrpcHandler: contract must be a message contract (defineMessage)');
  }
  check(handlerOptions);
  return (proto, key, descriptor) => {
    const metadata = createGrpcMethodMetadata(proto, key, service, method);
    decorate(proto, key, descriptor, metadata, config(proto, key, handlerOptions, contract, false));
  };
}

/**
 * Nest's `@GrpcStreamMethod(service, method)` (client or bidirectional
 * streaming: the handler receives an Observable of requests) as a handler of
 * the library: the call's message context, deadline and `AbortSignal`, and
 * failures answered as by {@link GrpcHandler}. Requests are not checked
 * against a contract or a payload size (they arrive one by one).
 *
 * @example
 * @GrpcStreamHandler('Chat', 'Talk')
 * talk(messages: Observable<Line>): Observable<Line> {}
 */
export function GrpcStreamHandler(service?: string, method?: string, options: GrpcStreamHandlerOptions = {}): MethodDecorator {
  check(options);
  return (proto, key, descriptor) => {
    // Nest's decorator replaces the method (it drains buffered requests when the handler subscribes).
    (service === undefined ? GrpcStreamMethod() : GrpcStreamMethod(service, method))(proto, key, descriptor);
    const metadata = createGrpcMethodMetadata(proto, key, service, method, GrpcMethodStreamingType.RX_STREAMING);
    decorate(proto, key, descriptor, metadata, config(proto, key, options, undefined, true));
  };
}

function check(options: MessagingHandlerOptions): void {
  const problems = checkHandlerOptions('gRPC handler options', options);
  if (problems.length) throw new MessagingConfigurationError(problems.join('; '));
}

function config(
  proto: object,
  key: string | symbol,
  options: MessagingHandlerOptions,
  contract: MessageContract | undefined,
  requestStream: boolean,
): HandlerConfig {
  return Object.freeze({
    kind: 'request',
    contract,
    options: Object.freeze({ ...options }),
    name: `${(proto as { constructor: { name: string } }).constructor.name}.${String(key)}`,
    requestStream,
  });
}

function decorate<T>(
  proto: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
  pattern: ReturnType<typeof createGrpcMethodMetadata>,
  handler: HandlerConfig,
): void {
  applyDecorators(
    MessagePattern(pattern, Transport.GRPC, { [HANDLER_CONFIG]: handler }),
    SetMetadata(HANDLER_CONFIG_METADATA, handler),
    UseGuards(ServedByLibraryGuard),
    UseFilters(MessagingExceptionFilter),
  )(proto, key, descriptor);
  behindOtherFilters(descriptor.value as object);
}
