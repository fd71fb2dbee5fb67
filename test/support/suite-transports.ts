import { appendFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { Module, type DynamicModule, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport, type ClientProxy, type CustomStrategy, type Serializer } from '@nestjs/microservices';
import { messagingMicroservice, type MessagingClientDefinition, type MessagingServerOptions } from '../../src';
import { MessagingTestHarness } from '../../src/testing';
import { plainTcpClient, startTcpServer } from './nest';
import { FaultyTcpProxy } from './tcp-proxy';

/**
 * Where a suite's server listens: a TCP port, or an in-memory endpoint name.
 */
export type Address = number | string;

/** A running microservice of a suite. */
export interface SuiteServer {
  app: INestMicroservice;
  address: Address;
  close(): Promise<void>;
}

/** A link to a server that breaks the connection under the first `failures` messages. */
export interface FaultyLink {
  address: Address;
  /** Connections (TCP) or messages (in memory) that reached the link so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

/** What an e2e suite needs of the transport it runs over. */
export interface SuiteTransport {
  /** In test names: 'TCP' or 'in memory'. */
  readonly name: string;
  /** Starts a microservice (the library's strategy unless `library: false`) at `address` or a fresh one. */
  startServer(controllers: Type<unknown>[], opts?: ServerOptions): Promise<SuiteServer>;
  /** An address with no server (yet). */
  unusedAddress(): Promise<Address>;
  /** A MessagingModule client definition that calls `address`. */
  clientDefinition(name: string, address: Address): MessagingClientDefinition;
  /** A Nest ClientProxy to `address` (a plain one, unless a serializer is given). */
  proxy(address: Address, serializer?: Serializer): ClientProxy;
  /** Microservice options for `app.connectMicroservice`, and the address once it listens. */
  microservice(): { options: CustomStrategy; address(): Address };
  /** A link that breaks the connection under the first `failures` messages (see FaultyTcpProxy). */
  faultyLink(address: Address, failures: number): Promise<FaultyLink>;
  /** Releases what the transport holds (the harness). */
  close(): void;
}

interface ServerOptions {
  library?: boolean;
  address?: Address;
  providers?: Type<unknown>[];
  imports?: Array<Type<unknown> | DynamicModule>;
  server?: MessagingServerOptions;
}

/** Nest's TCP transport with the library's strategy: the suites as they always ran. */
export function tcpTransport(client: 'library' | 'nest' = 'library'): SuiteTransport {
  return {
    name: client === 'nest' ? 'TCP (Nest ClientTCP)' : 'TCP',
    async startServer(controllers, opts = {}) {
      const server = await timedBoot(
        'server',
        () => startTcpServer(controllers, { ...opts, port: opts.address as number | undefined }),
        (s) => s.close(),
      );
      return { app: server.app, address: server.port, close: server.close };
    },
    async unusedAddress() {
      const probe = await startTcpServer([]);
      await probe.close();
      return probe.port;
    },
    clientDefinition: (name, address) => ({
      name,
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: address as number },
      ...(client === 'nest' ? { tcp: { client } } : {}),
    }),
    proxy: (address, serializer) =>
      serializer
        ? ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: address as number, serializer } })
        : plainTcpClient(address as number),
    microservice() {
      const options = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
      return {
        options,
        address: () => ((options.strategy as unknown as { unwrap<T>(): T }).unwrap<Server>().address() as AddressInfo).port,
      };
    },
    async faultyLink(address, failures) {
      const proxy = new FaultyTcpProxy(address as number, failures);
      const port = await proxy.start();
      return {
        address: port,
        get accepted() {
          return proxy.accepted;
        },
        stop: () => proxy.stop(),
      };
    },
    close: () => undefined,
  };
}

/** The test kit's in-memory transport (`nestjs-messaging/testing`). */
export function inMemoryTransport(): SuiteTransport {
  const harness = new MessagingTestHarness();
  let endpoints = 0;
  const fresh = () => `endpoint-${++endpoints}`;
  return {
    name: 'in memory',
    async startServer(controllers, opts = {}) {
      const address = (opts.address as string | undefined) ?? fresh();
      @Module({ controllers, providers: opts.providers ?? [], imports: opts.imports ?? [] })
      class ServerModule {}
      const app = await timedBoot(
        'server',
        async () => {
          // (the in-memory server always runs the library's pipeline: `library: false` is TCP's only)
          const created = await NestFactory.createMicroservice(ServerModule, { ...harness.microservice(address, opts.server), logger: false });
          await created.listen();
          return created;
        },
        (created) => created.close(),
      );
      return { app, address, close: () => app.close() };
    },
    unusedAddress: async () => fresh(),
    clientDefinition: (name, address) => ({ name, proxy: harness.proxy(address as string, { client: name }) }),
    proxy: (address, serializer) => harness.proxy(address as string, serializer ? { serializer } : {}),
    microservice() {
      const address = fresh();
      return { options: harness.microservice(address), address: () => address };
    },
    async faultyLink(address, failures) {
      const fault = harness.fault().toEndpoint(address as string).disconnectNext(failures);
      const sent = () => harness.sent(undefined, (m) => m.endpoint === address).length;
      const before = sent();
      return {
        address,
        get accepted() {
          return sent() - before;
        },
        stop: async () => fault.remove(),
      };
    },
    close: () => harness.close(),
  };
}

/** The transports every parameterised suite runs over. */
export const SUITE_TRANSPORTS: Array<[string, () => SuiteTransport]> = [
  ['TCP', tcpTransport],
  ['in memory', inMemoryTransport],
];

/** The client suites' transports: those above, and TCP through Nest's ClientTCP (`tcp.client: 'nest'`). */
export const CLIENT_SUITE_TRANSPORTS: Array<[string, () => SuiteTransport]> = [
  ...SUITE_TRANSPORTS,
  ['TCP (Nest ClientTCP)', () => tcpTransport('nest')],
];

/**
 * Runs `boot`. When MESSAGING_BOOT_TIMES names a file (npm run bench:testing),
 * boots MESSAGING_BOOT_RUNS (7) more times, closing each boot but the last, and
 * appends to that file, as one JSON line with the spec file: the first boot's
 * wall time (cold: it also loads what Nest requires lazily, through jest's
 * module registry), and the median and minimum wall time and the median CPU
 * time of the others (warm: the boot itself).
 */
export async function timedBoot<T>(what: string, boot: () => Promise<T>, close: (app: T) => Promise<unknown>): Promise<T> {
  const out = process.env.MESSAGING_BOOT_TIMES;
  if (!out) return boot();
  const runs = Number(process.env.MESSAGING_BOOT_RUNS ?? 7);
  const wall: number[] = [];
  const cpu: number[] = [];
  let app!: T;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const usage = process.cpuUsage();
    app = await boot();
    const used = process.cpuUsage(usage);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
    if (i < runs) await close(app);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const warm = wall.slice(1);
  appendFileSync(
    out,
    `${JSON.stringify({ file: expect.getState().testPath, what, cold: wall[0], warm: median(warm), min: Math.min(...warm), cpu: median(cpu.slice(1)) })}\n`,
  );
  return app;
}
