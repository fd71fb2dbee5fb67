import type { ContractChange, ContractDiff } from './contract-change';

/**
 * A report of a contract diff for a person reading a pull request (Markdown:
 * readable as plain text too), or JSON for a program.
 * @example
 * process.stdout.write(formatDiffReport(diffContracts(before, after)));
 */
export function formatDiffReport(diff: ContractDiff, format: 'markdown' | 'json' = 'markdown'): string {
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`;
  const breaking = diff.changes.filter((c) => c.breaking);
  const other = diff.changes.filter((c) => !c.breaking);
  if (diff.changes.length === 0) return '## Contract changes: none\n\nThe contracts are unchanged.\n';
  const lines = [
    breaking.length
      ? `## Contract changes: ${breaking.length} breaking, ${other.length} not breaking`
      : `## Contract changes: ${other.length}, none breaking`,
    '',
  ];
  if (breaking.length) lines.push('### Breaking', '', ...breaking.map(line), '');
  if (other.length) lines.push('### Not breaking', '', ...other.map(line), '');
  return `${lines.join('\n')}`;
}

function line(change: ContractChange): string {
  const where = [
    `\`${change.pattern}\``,
    change.version === undefined ? undefined : change.version === 'response' ? 'response' : `v${change.version}`,
    change.path ? `\`${change.path}\`` : undefined,
  ].filter((p) => p !== undefined);
  return `- ${where.join(' ')}: ${change.message} (${change.kind})`;
}
