#!/usr/bin/env node
/*
 * Where a client's extra time per call goes: compares two `node --cpu-prof` profiles of bench/profile-client.ts
 * (raw and messaging), each divided by its number of calls, function by function (self time, idle excluded).
 *
 *   PROFILE_CONCURRENCY=16 node --cpu-prof --cpu-prof-dir=.tmp/prof/raw -r ./scripts/register.cjs bench/profile-client.ts raw
 *   PROFILE_CONCURRENCY=16 node --cpu-prof --cpu-prof-dir=.tmp/prof/messaging -r ./scripts/register.cjs bench/profile-client.ts messaging
 *   node bench/cpuprofile-diff.cjs .tmp/prof/raw/<file>.cpuprofile <raw calls> .tmp/prof/messaging/<file>.cpuprofile <messaging calls>
 *
 * Prints the total µs per call of each side and the 40 functions whose µs per call differ most (b - a, a, b).
 */
const { readFileSync } = require('node:fs');

function selfTimes(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const times = new Map();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const where = (url || '(native)').replace(/.*node_modules\//, '').replace(process.cwd() + '/', '').replace('file://', '');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    times.set(key, (times.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return times;
}

const [fileA, callsA, fileB, callsB] = process.argv.slice(2);
if (!fileB || !Number(callsA) || !Number(callsB)) {
  console.error('usage: node bench/cpuprofile-diff.cjs a.cpuprofile callsA b.cpuprofile callsB');
  process.exit(2);
}
const a = selfTimes(fileA);
const b = selfTimes(fileB);
const rows = [...new Set([...a.keys(), ...b.keys()])]
  .filter((k) => !/^\((idle|program)\)/.test(k))
  .map((k) => [k, (a.get(k) ?? 0) / Number(callsA), (b.get(k) ?? 0) / Number(callsB)]);
const total = (i) => rows.reduce((sum, r) => sum + r[i], 0).toFixed(2);
console.log(`µs per call, idle excluded: a ${total(1)}, b ${total(2)}`);
console.log('  b - a       a       b   function');
rows.sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
for (const [k, x, y] of rows.slice(0, 40)) console.log(`${(y - x).toFixed(3).padStart(7)} ${x.toFixed(3).padStart(7)} ${y.toFixed(3).padStart(7)}   ${k}`);
