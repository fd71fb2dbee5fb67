import { join } from 'node:path';
import { Module, type DynamicModule, type INestMicroservice, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, ServerGrpc, Transport, type ClientGrpcProxy, type GrpcOptions } from '@nestjs/microservices';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Observable } from 'rxjs';
import { messagingMicroservice, type MessagingServerOptions } from '../../src';
import { MessagingServerGrpc } from '../../src/grpc';

/** The proto of the gRPC suites (test/fixtures/grpc/echo.proto), package `messaging.test`, service `Echo`. */
export const PROTO = join(__dirname, '../fixtures/grpc/echo.proto');
export const PACKAGE = 'messaging.test';
export const SERVICE = 'Echo';

export interface EchoRequest {
  text?: string;
  waitMs?: number;
  failWith?: string;
  action?: string;
}
export interface CountRequest {
  count?: number;
  waitMs?: number;
  failWith?: string;
}
export interface EchoReply {
  text: string;
  correlationId: string;
  causationId: string;
  messageId: string;
  timeLeftMs: number;
  attempt: number;
  tenant: string;
  index: number;
  downstream: string;
}

/** The Echo service as Nest's `getService<T>()` types it. */
export interface EchoService {
  say(request: EchoRequest): Observable<EchoReply>;
  count(request: CountRequest): Observable<EchoReply>;
  collect(requests: Observable<EchoRequest>): Observable<EchoReply>;
  chat(requests: Observable<EchoRequest>): Observable<EchoReply>;
}

/** Nest's gRPC options for the Echo package at `url`. */
export function grpcOptions(url: string): GrpcOptions {
  return { transport: Transport.GRPC, options: { package: PACKAGE, protoPath: PROTO, url } };
}

/**
 * Nest's own ServerGrpc, unchanged but for remembering the port it bound
 * (Nest forgets it): a plain Nest gRPC server on port 0.
 */
export class PlainServerGrpc extends ServerGrpc {
  port: number | undefined;
  override async createClient(): Promise<grpc.Server> {
    const server = new grpc.Server();
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    return server;
  }
}

/** A running gRPC microservice and its port. */
export interface RunningGrpc {
  app: INestMicroservice;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts a gRPC microservice on 127.0.0.1:0: the library's server, or Nest's plain one (`library: false`). */
export async function startGrpcServer(
  controllers: Type<unknown>[],
  opts: { library?: boolean; server?: MessagingServerOptions; providers?: Provider[]; imports?: Array<Type<unknown> | DynamicModule> } = {},
): Promise<RunningGrpc> {
  const nest = grpcOptions('127.0.0.1:0');
  const strategy =
    opts.library === false ? new PlainServerGrpc(nest.options) : (messagingMicroservice(nest, opts.server).strategy as MessagingServerGrpc);
  @Module({ controllers, providers: opts.providers ?? [], imports: opts.imports ?? [] })
  class GrpcServerModule {}
  const app = await NestFactory.createMicroservice(GrpcServerModule, { strategy, logger: false });
  await app.listen();
  const port = strategy.port!;
  return { app, port, url: `127.0.0.1:${port}`, close: () => app.close() };
}

/** A plain Nest ClientGrpc (no library). */
export function plainGrpcClient(url: string): ClientGrpcProxy {
  return ClientProxyFactory.create(grpcOptions(url)) as unknown as ClientGrpcProxy;
}

interface EchoPackage {
  messaging: { test: { Echo: grpc.ServiceClientConstructor } };
}

/** The Echo package loaded by @grpc/grpc-js itself (no Nest). */
export function echoPackage(): EchoPackage {
  return grpc.loadPackageDefinition(protoLoader.loadSync(PROTO)) as unknown as EchoPackage;
}

/** A plain @grpc/grpc-js client of Echo (no Nest, no library). */
export function rawEchoClient(url: string): grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientUnaryCall & grpc.ClientReadableStream<unknown>> {
  const Echo = echoPackage().messaging.test.Echo;
  return new Echo(url, grpc.credentials.createInsecure()) as never;
}

/** A unary call of a raw client as a promise of `{ error, reply, trailers }`. */
export function rawUnary(
  client: grpc.Client,
  method: string,
  request: object,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<{ error?: grpc.ServiceError; reply?: EchoReply; call: grpc.ClientUnaryCall }> {
  return new Promise((resolve) => {
    const call: grpc.ClientUnaryCall = (client as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>)[method]!(
      request,
      metadata,
      options,
      (error: grpc.ServiceError | null, reply: EchoReply) => resolve({ error: error ?? undefined, reply, call }),
    );
  });
}

/** A plain @grpc/grpc-js server of Echo (no Nest) on 127.0.0.1:0. */
export async function startRawServer(impl: grpc.UntypedServiceImplementation): Promise<{ url: string; close(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(echoPackage().messaging.test.Echo.service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { url: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

export { grpc };
