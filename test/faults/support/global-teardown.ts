import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SummaryRow } from './summary';

/** Prints the summary table of the fault suite. */
export default function teardown(): void {
  const file = process.env.MESSAGING_FAULTS_SUMMARY;
  if (!file) return;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SummaryRow);
  rmSync(dirname(file), { recursive: true, force: true });
  const header = ['scenario', 'calls', 'succeeded', 'failed (typed error)', 'hung', 'unhandled rejections', 'notes'];
  const table = rows.map((r) => [r.scenario, r.calls, r.succeeded, r.typedFailures, r.hung, r.unhandledRejections, r.notes ?? ''].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [
    '',
    'Fault suite summary',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...table.map(line),
    '',
  ].join('\n');
  process.stdout.write(out + '\n');
}
