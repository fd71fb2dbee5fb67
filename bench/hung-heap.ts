/*
 * Heap snapshots of a TCP server process holding hung calls (not part of npm run bench): the fault suite's server
 * (test/faults/support/server-process.ts, the library's or plain Nest's) gets 2000 calls to a handler that never
 * answers; a snapshot is written before them, once every handler has started, and (the library's server, with
 * HUNG_BUDGET shorter than the run) once their budget has passed. Compare them with bench/heapsnapshot-diff.cjs:
 *
 *   HUNG_BUDGET=8000 node -r ./scripts/register.cjs bench/hung-heap.ts library|plain
 *   node bench/heapsnapshot-diff.cjs .tmp/heap-<kind>/<1st> .tmp/heap-<kind>/<2nd> 2000
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tcpMessagingClient } from '../test/faults/support/clients';

const N = 2000;
const plain = process.argv[2] === 'plain';
const budget = Number(process.env.HUNG_BUDGET ?? 60_000);
const dir = join(__dirname, '..', '.tmp', `heap-${plain ? 'plain' : 'library'}`);

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const child = fork(join(__dirname, '../test/faults/support/server-process.ts'), [], {
    execArgv: ['-r', join(__dirname, '../scripts/register.cjs'), '--expose-gc', '--heapsnapshot-signal=SIGUSR2'],
    cwd: dir,
    env: { ...process.env, MESSAGING_FAULTS_SERVER: JSON.stringify(plain ? { plain: true } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  const ready = new Promise<void>((resolve) =>
    child.on('message', (m: Record<string, unknown>) => (m.ready ? resolve() : waiting.get(m.seq as number)?.(m))),
  );
  const ask = (op: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiting.set(++seq, resolve);
      child.send({ seq, ...op });
    });
  const stats = async () => (await ask({ op: 'stats' })).stats as { runs: Record<string, number>; deadlines?: number; queued?: number };
  const heap = async () => (await ask({ op: 'heap' })).heapUsed as number;
  // A snapshot is written synchronously on the signal: the next answer over IPC comes after it.
  const snapshot = async () => {
    const files = readdirSync(dir).length;
    child.kill('SIGUSR2');
    while (readdirSync(dir).length === files) await new Promise((r) => setTimeout(r, 100));
    await stats();
  };

  await ready;
  const port = (await ask({ op: 'listen', port: 0 })).port as number;
  const { client, close } = await tcpMessagingClient(port, { timeout: budget }, { deadAfterTimeouts: false });
  for (let i = 0; i < 200; i++) await client.request({ cmd: 'echo' }, { i });
  void Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.request({ cmd: 'hang' }, { i })));
  await client.request({ cmd: 'echo' }, { marker: 1 });
  const before = await heap();
  await snapshot();
  const calls = Promise.allSettled(Array.from({ length: N }, (_, i) => client.request({ cmd: 'hang' }, { i, pad: 'x'.repeat(64) })));
  while (((await stats()).runs.hang ?? 0) < N + 20) await new Promise((r) => setTimeout(r, 50));
  console.log(`${plain ? 'plain Nest' : 'library'}: ${(((await heap()) - before) / N).toFixed(0)} B per hung call while hung`);
  await snapshot();
  if (!plain && budget < 60_000) {
    await calls;
    for (let s = await stats(); s.deadlines !== 0 || s.queued !== 0; s = await stats()) await new Promise((r) => setTimeout(r, 50));
    console.log(`library: ${(((await heap()) - before) / N).toFixed(0)} B per hung call after the budget`);
    await snapshot();
  }
  console.log(`snapshots in ${dir}`);
  child.kill('SIGKILL');
  await close().catch(() => undefined);
  process.exit(0);
}

void main();
