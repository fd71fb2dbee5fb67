/**
 * A Nest microservice with the library's TCP strategy, run as its own process
 * by the fault suite (so that it can be SIGKILLed). Started with
 * `fork(this file, { execArgv: ['-r', 'ts-node/register'] })` (ts-node with swc,
 * transpile only). Protocol over IPC: it sends `{ ready: true }` once loaded;
 * `{ listen: port }` (0 for any) makes it listen and answer `{ port }`;
 * `{ heap: true }` answers `{ heapUsed }` after a GC when exposed.
 */
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, Transport, type ServerTCP } from '@nestjs/microservices';
import { MessageHandler, messagingMicroservice } from '../../../src';

@Controller()
class FaultController {
  @MessageHandler({ cmd: 'work' })
  async work(@Payload() data: { n: number; ms?: number }) {
    if (data.ms) await new Promise((r) => setTimeout(r, data.ms));
    return data.n;
  }

  @MessageHandler({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }
}

@Module({ controllers: [FaultController] })
class FaultServerModule {}

async function listen(port: number): Promise<number> {
  const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
  const app = await NestFactory.createMicroservice(FaultServerModule, { ...strategy, logger: false });
  await app.listen();
  return ((strategy.strategy as ServerTCP).unwrap<Server>().address() as AddressInfo).port;
}

process.on('message', (msg: { listen?: number; heap?: boolean }) => {
  if (msg.listen !== undefined) {
    listen(msg.listen).then(
      (port) => process.send!({ port }),
      (err: unknown) => process.send!({ error: String(err) }),
    );
  }
  if (msg.heap) {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ heapUsed: process.memoryUsage().heapUsed });
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
