#!/usr/bin/env node
/*
 * CPU per call of one process from its `node --cpu-prof` profile, start-up excluded: the samples under module
 * loading (`Module._load`, `compileSourceTextModule`) and idle time are left out, the rest divided by the calls.
 * Also the busy time in all and its share of garbage collection.
 * For the server processes of bench/profile-client.ts (the client prints its number of calls):
 *
 *   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=.tmp/prof/server" PROFILE_SERVER=library PROFILE_CONCURRENCY=16 \
 *     node -r ./scripts/register.cjs bench/profile-client.ts messaging
 *   node bench/cpuprofile-total.cjs .tmp/prof/server/<file>.cpuprofile <calls>
 */
const { readFileSync } = require('node:fs');

const [file, calls] = process.argv.slice(2);
if (!file || !Number(calls)) {
  console.error('usage: node bench/cpuprofile-total.cjs profile.cpuprofile calls');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const LOADING = new Set(['Module._load', 'compileSourceTextModule']);
let total = 0;
let loading = 0;
let gc = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const name = nodes.get(id).callFrame.functionName;
  if (/^\((idle|program)\)$/.test(name)) return;
  total += dt;
  if (name === '(garbage collector)') gc += dt;
  for (let at = id; at !== undefined; at = parent.get(at)) {
    if (LOADING.has(nodes.get(at).callFrame.functionName)) {
      loading += dt;
      break;
    }
  }
});
console.log(`µs per call: ${((total - loading) / Number(calls)).toFixed(1)} (module loading excluded: ${(loading / Number(calls)).toFixed(1)} µs per call)`);
console.log(
  `busy: ${(total / 1e6).toFixed(2)} s (idle and (program) left out, start-up included), of which garbage collection ` +
    `${(gc / 1e6).toFixed(2)} s (${((100 * gc) / total).toFixed(0)}%)`,
);
