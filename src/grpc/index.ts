/**
 * `nestjs-messaging/grpc`: the library on Nest's gRPC transport. Loading it
 * does not load `@grpc/grpc-js` (the first gRPC call or server does); the
 * main entry never loads it.
 */
export {
  MessagingGrpcClient,
  type GrpcCallOptions,
  type GrpcServiceClient,
  type GrpcWrapOptions,
} from '../client/grpc/messaging-grpc-client';
export { MessagingServerGrpc } from '../server/messaging-server-grpc';
export {
  GrpcHandler,
  GrpcStreamHandler,
  type GrpcHandlerOptions,
  type GrpcStreamHandlerOptions,
} from '../handler/grpc-handler.decorator';
export { GrpcStatus, grpcStatusOf, messagingCodeOfGrpcStatus, type GrpcRemoteStatus } from '../errors/grpc-status';
export { GRPC_ERROR_TRAILER, readErrorTrailer as readGrpcErrorTrailer } from '../wire/transports/grpc';
