/*
 * The gRPC bench servers (the unary row, bench/grpc.ts): Nest's own ServerGrpc with a plain @GrpcMethod echo
 * (`grpc-plain`), and the library's server (`messagingMicroservice`, its inbound pipeline) with @GrpcHandler
 * (`grpc-library`). Both bind 127.0.0.1:0 and report the port they got. The service: test/fixtures/grpc/echo.proto.
 */
import { join } from 'node:path';
import { Controller } from '@nestjs/common';
import { GrpcMethod, ServerGrpc, Transport, type CustomStrategy, type GrpcOptions } from '@nestjs/microservices';
import * as grpc from '@grpc/grpc-js';
import { messagingMicroservice } from 'nestjs-messaging';
import { GrpcHandler, type MessagingServerGrpc } from 'nestjs-messaging/grpc';

export const GRPC_PROTO = join(__dirname, '..', '..', 'test', 'fixtures', 'grpc', 'echo.proto');

export function grpcOptions(url: string): GrpcOptions {
  return { transport: Transport.GRPC, options: { package: 'messaging.test', protoPath: GRPC_PROTO, url } };
}

interface EchoRequest {
  text?: string;
}

@Controller()
export class PlainGrpcHandlers {
  @GrpcMethod('Echo', 'Say')
  say(request: EchoRequest): { text?: string } {
    return { text: request.text };
  }
}

@Controller()
export class LibraryGrpcHandlers {
  @GrpcHandler('Echo', 'Say')
  say(request: EchoRequest): { text?: string } {
    return { text: request.text };
  }
}

/** Nest's ServerGrpc, unchanged but for keeping the port it bound (Nest forgets it). */
class PlainServerGrpc extends ServerGrpc {
  port = 0;
  override async createClient(): Promise<grpc.Server> {
    const server = new grpc.Server();
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    return server;
  }
}

/** The strategy of a gRPC bench server, and how to read its port once it listens. */
export function grpcServer(library: boolean): { strategy: CustomStrategy; port: () => number } {
  const options = grpcOptions('127.0.0.1:0');
  if (!library) {
    const plain = new PlainServerGrpc(options.options);
    return { strategy: { strategy: plain }, port: () => plain.port };
  }
  const strategy = messagingMicroservice(options);
  return { strategy, port: () => (strategy.strategy as MessagingServerGrpc).port ?? 0 };
}
