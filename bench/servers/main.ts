/*
 * A benchmark server process (started by bench/harness.ts, BENCH_SERVER=plain|library|traced|reference):
 * - plain:     Nest's ServerTCP, plain @MessagePattern / @EventPattern handlers;
 * - plain-context: the same, each message handled in an AsyncLocalStorage context (plain-context.ts);
 * - library:   messagingMicroservice (the library's inbound pipeline), @MessageHandler / @EventHandler, a contract handler;
 * - traced:    the library server with OpenTelemetryInstrumentation (real SDK, exported nowhere);
 * - reference: Nest's ServerTCP, a plain handler making its span and histogram record with the SDK directly;
 * - grpc-plain, grpc-library: Nest's ServerGrpc with @GrpcMethod, the library's gRPC server with @GrpcHandler (grpc.ts);
 * - raw-net:   no Nest: a `net` server with Nest's framing (the raw-socket reference, ../raw-net.ts).
 * Listens on a free loopback port and reports it, then answers the side channel (protocol.ts).
 */
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, Transport, type MicroserviceOptions, type TcpOptions } from '@nestjs/microservices';
import { messagingMicroservice } from 'nestjs-messaging';
import { benchInstrumentation } from '../tracing';
import { grpcServer, LibraryGrpcHandlers, PlainGrpcHandlers } from './grpc';
import { LibraryHandlers } from './library';
import { PlainHandlers } from './plain';
import { ContextServerTCP } from './plain-context';
import type { ServerKind } from './protocol';
import { ReferenceHandlers } from './reference';
import { announce, serveSideChannel } from './side-channel';
import { rawNetServer } from '../raw-net';

const tcp: TcpOptions = { transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } };

function setup(kind: Exclude<ServerKind, 'raw-net'>): { controller: Type<unknown>; options: MicroserviceOptions; port?: () => number } {
  switch (kind) {
    case 'grpc-plain': {
      const { strategy, port } = grpcServer(false);
      return { controller: PlainGrpcHandlers, options: strategy, port };
    }
    case 'grpc-library': {
      const { strategy, port } = grpcServer(true);
      return { controller: LibraryGrpcHandlers, options: strategy, port };
    }
    case 'plain':
      return { controller: PlainHandlers, options: tcp };
    case 'plain-context':
      return { controller: PlainHandlers, options: { strategy: new ContextServerTCP(tcp.options!) } };
    case 'library':
      return { controller: LibraryHandlers, options: messagingMicroservice(tcp) };
    case 'traced':
      return { controller: LibraryHandlers, options: messagingMicroservice(tcp, { instrumentation: [benchInstrumentation()] }) };
    case 'reference':
      return { controller: ReferenceHandlers, options: tcp };
  }
}

async function main(): Promise<void> {
  const kind = process.env.BENCH_SERVER as ServerKind;
  if (!process.send) throw new Error('bench/servers/main.ts is started by bench/harness.ts (it needs an IPC channel)');
  const nest = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;
  if (kind === 'raw-net') {
    const server = await rawNetServer();
    serveSideChannel();
    const stop = () => {
      server.close();
      process.exit(0);
    };
    process.once('disconnect', stop);
    process.once('SIGTERM', stop);
    return announce(server.port, nest);
  }
  const { controller, options, port: grpcPort } = setup(kind);
  @Module({ controllers: [controller] })
  class BenchServerModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchServerModule, { ...options, logger: ['error', 'warn'] });
  await app.listen();
  serveSideChannel();
  const stop = () => void app.close().finally(() => process.exit(0));
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  const port = grpcPort ? grpcPort() : (app.unwrap<Server>().address() as AddressInfo).port;
  announce(port, nest);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
