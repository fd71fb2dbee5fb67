/*
 * Counts the promises a process creates, by where they are created, for one second after a 3 s warm-up
 * (async_hooks init hook; not part of npm run bench). Preload it into a benchmark server or client:
 *
 *   BENCH_SERVER_NODE_ARGS="-r ./bench/promise-count.cjs" PROFILE_SERVER=library PROFILE_CONCURRENCY=16 \
 *     node -r ./scripts/register.cjs bench/profile-client.ts messaging|contract
 *
 * and divide the total in .tmp/promise-count-<pid>.txt by the messages of that second (the most frequent
 * stacks share one count per message).
 */
'use strict';
const { createHook } = require('node:async_hooks');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const counts = new Map();
let on = false;
function where() {
  const holder = {};
  Error.captureStackTrace(holder);
  return holder.stack
    .split('\n')
    .slice(3, 7)
    .map((line) => line.trim().replace(/\(.*\/(node_modules|src)\//, '($1/'))
    .join(' | ');
}
createHook({
  init(_id, type) {
    if (on && type === 'PROMISE') {
      const key = where();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  },
}).enable();
setTimeout(() => (on = true), 3000).unref();
setTimeout(() => {
  on = false;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v}\t${k}`);
  const dir = join(__dirname, '..', '.tmp');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `promise-count-${process.pid}.txt`), `total ${total}\n${rows.join('\n')}\n`);
}, 4000).unref();
