import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes the file where each scenario appends its summary row (read by global-teardown.ts). */
export default function setup(): void {
  const file = join(mkdtempSync(join(tmpdir(), 'messaging-faults-')), 'summary.jsonl');
  writeFileSync(file, '');
  process.env.MESSAGING_FAULTS_SUMMARY = file;
}
