import { connect, type Socket } from 'node:net';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventHandler } from '../src';
import type { MessagingServerTCP } from '../src/server/messaging-server-tcp';
import { startTcpServer, waitFor, type RunningServer } from './support/nest';

/** Events written as fast as the socket takes them. */
const EVENTS = 20_000;
/** CPU each handler run burns, synchronously: the handlers run far slower than the peer writes. */
const BURN_MS = 0.1;
/**
 * The most messages the server may hold in its queue: the queue's high-water
 * mark (1,024 open-ended messages), plus the frames of the 64 KiB read that
 * crossed it (about 1,300 of these small events), with a margin. Without a
 * bound, the server reads the peer's bytes as fast as they come and holds
 * most of the flood in its heap.
 */
const MAX_QUEUED = 3_000;

const handled: number[] = [];

@Controller()
class Handlers {
  @EventHandler('flood')
  flood(@Payload() n: number) {
    const end = performance.now() + BURN_MS;
    while (performance.now() < end) {
      // the handler's CPU-bound work
    }
    handled.push(n);
  }
}

describe('the library TCP server under a flood of events faster than their handlers', () => {
  let server: RunningServer;
  let socket: Socket | undefined;

  beforeAll(async () => {
    server = await startTcpServer([Handlers]);
  });
  afterAll(async () => {
    socket?.destroy();
    await server.close();
  });

  it(`stops reading while ${MAX_QUEUED} messages wait (the peer waits in the kernel), and handles every event in order`, async () => {
    const queue = (server.strategy as MessagingServerTCP).pipeline.queue;
    let maxQueued = 0;
    const sampler = setInterval(() => (maxQueued = Math.max(maxQueued, queue.size)), 1);
    socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket!.once('connect', resolve).once('error', reject));
    const frames: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const json = JSON.stringify({ pattern: 'flood', data: i });
      frames.push(`${json.length}#${json}`);
    }
    socket.write(frames.join(''));
    try {
      await waitFor(() => handled.length === EVENTS, 60_000, `${EVENTS} events handled`);
    } finally {
      clearInterval(sampler);
    }
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThan(MAX_QUEUED);
    expect(handled).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  }, 90_000);
});
