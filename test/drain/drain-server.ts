/**
 * The instance under test of test/drain.e2e.spec.ts: a library server with a
 * `gracePeriod`, in its own process, with `app.enableShutdownHooks()`, so that
 * a real SIGTERM shuts it down. Run by the spec with
 * `fork(this file, { execArgv: ['-r', 'scripts/register.cjs'] })` (MESSAGING_NEST_MAJOR
 * picks the Nest major). Environment: DRAIN_ENDPOINT (a DrainEndpoint as JSON),
 * DRAIN_GRACE (ms).
 *
 * IPC: sends `{ ready: true }`, then every DrainReport as it happens,
 * `{ closing: true }` when Nest closes the server (the drain begins),
 * `{ closed: true }` when the server's close() returned. `{ release: true }`
 * from the test lets the slow handlers finish.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { messagingMicroservice } from '../../src';
import { testServerOptions } from '../support/transports';
import { drainHandlers, drainNestOptions, type DrainEndpoint, type DrainReport } from './drain-app';

async function main(): Promise<void> {
  const ep = JSON.parse(process.env.DRAIN_ENDPOINT!) as DrainEndpoint;
  const gracePeriod = Number(process.env.DRAIN_GRACE);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const report = (message: DrainReport | Record<string, unknown>) => process.send?.(message);

  @Module({ controllers: [drainHandlers(ep, { name: 'A', held, report })] })
  class DrainModule {}

  const strategy = messagingMicroservice(drainNestOptions(ep), { ...testServerOptions(ep), gracePeriod });
  const server = strategy.strategy as unknown as { close(): Promise<void> };
  const close = server.close.bind(server);
  server.close = async () => {
    report({ closing: true });
    await close();
    report({ closed: true });
  };
  const app = await NestFactory.createMicroservice(DrainModule, { ...strategy, logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen();
  process.on('message', (message: { release?: boolean }) => {
    if (message.release) release();
  });
  report({ ready: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`drain server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
