import type { AddressInfo, Server } from 'node:net';
import { Controller, Module, type DynamicModule, type INestMicroservice, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientProxyFactory, ServerTCP, Transport, type CustomStrategy } from '@nestjs/microservices';
import { messagingMicroservice, type MessagingServerOptions } from '../../src';

/** Which Nest major this jest run loaded (12 has setOnDispatchHook, 11 does not). */
export const nestMajor: 11 | 12 =
  typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;

/** A running microservice and its port. */
export interface RunningServer {
  app: INestMicroservice;
  port: number;
  /** The server strategy (the library's `MessagingServerTCP`, or Nest's `ServerTCP`). */
  strategy: unknown;
  close(): Promise<void>;
}

/**
 * Starts a TCP microservice on a free port: with the library's strategy
 * (`library: true`) or Nest's plain ServerTCP.
 */
export async function startTcpServer(
  controllers: Type<unknown>[],
  opts: {
    library?: boolean;
    port?: number;
    providers?: Provider[];
    imports?: Array<Type<unknown> | DynamicModule>;
    /** The library's server options (graceful shutdown). */
    server?: MessagingServerOptions;
  } = {},
): Promise<RunningServer> {
  const tcp = { host: '127.0.0.1', port: opts.port ?? 0 };
  const strategy: CustomStrategy =
    opts.library === false
      ? { strategy: new ServerTCP(tcp) }
      : messagingMicroservice({ transport: Transport.TCP, options: tcp }, opts.server);
  @Module({ controllers, providers: opts.providers ?? [], imports: opts.imports ?? [] })
  class ServerModule {}
  const app = await NestFactory.createMicroservice(ServerModule, { ...strategy, logger: false });
  await app.listen();
  const port = ((strategy.strategy as ServerTCP).unwrap<Server>().address() as AddressInfo).port;
  return { app, port, strategy: strategy.strategy, close: () => app.close() };
}

/** A plain Nest TCP ClientProxy (no library). */
export function plainTcpClient(port: number): ClientProxy {
  return ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
}

/**
 * The pending-request map of a ClientProxy: Nest's `routingMap`, or the
 * library TCP client's `pending` (internals, inspected to prove nothing leaks).
 */
export function pendingRequests(proxy: ClientProxy): number {
  const own = (proxy as unknown as { pending?: Map<string, unknown> }).pending;
  return own instanceof Map ? own.size : (proxy as unknown as { routingMap: Map<string, unknown> }).routingMap.size;
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { Controller };
