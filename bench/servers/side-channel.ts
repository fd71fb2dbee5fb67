/* The server end of the side channel (see protocol.ts): answers stats requests and counts events. */
import type { FromServer, ToServer } from './protocol';

let events = 0;
let waiting: Array<{ id: number; until: number }> = [];
let nextUntil = Infinity;

function send(message: FromServer): void {
  process.send?.(message);
}

/** Called by the event handlers of every bench server, once per event. */
export function countEvent(): void {
  if (++events >= nextUntil) release();
}

function release(): void {
  const still = waiting.filter((w) => events < w.until);
  for (const w of waiting) if (events >= w.until) send({ type: 'events-reached', id: w.id });
  waiting = still;
  nextUntil = Math.min(Infinity, ...still.map((w) => w.until));
}

export function serveSideChannel(): void {
  process.on('message', (message: ToServer) => {
    if (message.type === 'stats') {
      const { user, system } = process.cpuUsage();
      send({ type: 'stats', id: message.id, cpu: user + system, events });
    } else {
      waiting.push({ id: message.id, until: message.until });
      release();
    }
  });
}

export function announce(port: number, nest: number): void {
  send({ type: 'ready', port, nest });
}
