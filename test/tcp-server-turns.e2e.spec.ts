import { connect, type Socket } from 'node:net';
import { Controller, Injectable, UseGuards, type CanActivate } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessageHandler } from '../src';
import { startTcpServer, waitFor, type RunningServer } from './support/nest';

/** CPU each handler run burns, synchronously. */
const BURN_MS = 5;
/** Requests written to the server in one write (they arrive in one chunk). */
const BURST = 60;
/**
 * The longest the server's event loop may stop while it works through the
 * burst. Starting every frame of the chunk at once stops it for BURST x
 * BURN_MS = 300 ms; the server's queue keeps a turn to a few handlers (its
 * first turn, before it has measured one, to eight: 40 ms). The margin is for
 * a busy 2-core machine.
 */
const MAX_STALL_MS = 150;

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller()
class Handlers {
  /** Behind a guard (and a param decorator): Nest runs it in the microtasks after the call that starts it. */
  @MessageHandler('burn')
  @UseGuards(AllowGuard)
  burn(@Payload() n: number) {
    const end = performance.now() + BURN_MS;
    while (performance.now() < end) {
      // the handler's CPU-bound work
    }
    return n;
  }
}

/** The longest gap between two turns of this process's event loop, while `running()` holds. */
function watchTurns(): { stop(): number } {
  let last = performance.now();
  let max = 0;
  let on = true;
  const tick = () => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop() {
      on = false;
      return max;
    },
  };
}

describe('the library TCP server under a burst of slow handlers behind a guard', () => {
  let server: RunningServer;
  let socket: Socket | undefined;

  beforeAll(async () => {
    server = await startTcpServer([Handlers]);
  });
  afterAll(async () => {
    socket?.destroy();
    await server.close();
  });

  it(`keeps its event loop turning (no stop over ${MAX_STALL_MS} ms) and answers every request`, async () => {
    socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket!.once('connect', resolve).once('error', reject));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const frames = Array.from({ length: BURST }, (_, i) => {
      const json = JSON.stringify({ pattern: 'burn', data: i, id: `r${i}` });
      return `${json.length}#${json}`;
    }).join('');
    const turns = watchTurns();
    socket.write(frames);
    const answered = () => (received.match(/"isDisposed":true/g) ?? []).length;
    await waitFor(() => answered() === BURST, 30_000, `${BURST} replies`);
    const stall = turns.stop();
    for (let i = 0; i < BURST; i++) expect(received).toContain(`"id":"r${i}"`);
    expect(received).not.toContain('"err"');
    expect(stall).toBeLessThan(MAX_STALL_MS);
  });
});
