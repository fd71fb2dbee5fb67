#!/usr/bin/env node
/*
 * What a process holds per item between two heap snapshots (`--heapsnapshot-signal`, see bench/hung-heap.ts):
 * objects grouped by kind and constructor (strings, numbers and code each as one group), the difference in count
 * and bytes divided by the number of items, largest first.
 *
 *   node bench/heapsnapshot-diff.cjs before.heapsnapshot after.heapsnapshot <items>
 */
const { readFileSync } = require('node:fs');

function groups(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const width = meta.node_fields.length;
  const types = meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => meta.node_fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = types[snapshot.nodes[i + type]];
    const label = /string/.test(kind) ? '(string)' : kind === 'number' ? '(number)' : kind === 'code' ? '(code)' : snapshot.strings[snapshot.nodes[i + name]].slice(0, 60);
    const key = `${kind}: ${label}`;
    const entry = out.get(key) ?? [0, 0];
    entry[0]++;
    entry[1] += snapshot.nodes[i + size];
    out.set(key, entry);
  }
  return out;
}

const [before, after, items] = process.argv.slice(2);
if (!after || !Number(items)) {
  console.error('usage: node bench/heapsnapshot-diff.cjs before.heapsnapshot after.heapsnapshot items');
  process.exit(2);
}
const a = groups(before);
const b = groups(after);
const n = Number(items);
const rows = [...b]
  .map(([key, [count, bytes]]) => [key, (count - (a.get(key)?.[0] ?? 0)) / n, (bytes - (a.get(key)?.[1] ?? 0)) / n])
  .filter((r) => r[2] > 4)
  .sort((x, y) => y[2] - x[2]);
console.log(`bytes per item (groups of more than 4): ${rows.reduce((sum, r) => sum + r[2], 0).toFixed(0)}`);
console.log('  bytes   count   group');
for (const [key, count, bytes] of rows.slice(0, 40)) console.log(`${bytes.toFixed(0).padStart(7)} ${count.toFixed(2).padStart(7)}   ${key}`);
