import { diffContracts, formatDiffReport, type AsyncApiDocument } from '../../src/asyncapi';
import { nestMajor } from '../support/nest';
import { DIFF_PAIRS } from './diff.fixtures';
import { documentOf, unexplainedDiagnostics } from './support';

describe(`contracts diff: one pair of documents per kind of change (Nest ${nestMajor})`, () => {
  const documents = new Map<string, { before: AsyncApiDocument; after: AsyncApiDocument }>();
  beforeAll(async () => {
    for (const pair of DIFF_PAIRS) {
      documents.set(pair.name, {
        before: await documentOf(pair.before.receive, pair.before.send),
        after: await documentOf(pair.after.receive, pair.after.send),
      });
    }
  }, 60_000);

  it('has at least 12 pairs, breaking and not', () => {
    expect(DIFF_PAIRS.length).toBeGreaterThanOrEqual(12);
    expect(DIFF_PAIRS.some((p) => p.breaking) && DIFF_PAIRS.some((p) => !p.breaking)).toBe(true);
  });

  it.each(DIFF_PAIRS.map((p) => [p.name, p] as const))('%s', (_, pair) => {
    const { before, after } = documents.get(pair.name)!;
    const diff = diffContracts(before, after);
    const kinds = [...new Set(diff.changes.map((c) => c.kind))].sort();
    expect({ breaking: diff.breaking, kinds }).toEqual({ breaking: pair.breaking, kinds: [...pair.kinds].sort() });
    // and the other way round, a change is rarely neutral: only "no change" stays empty
    if (pair.kinds.length === 0) expect(diffContracts(after, before).changes).toEqual([]);
  });

  it('says where and what, in a report for a pull request', () => {
    const required = documents.get('a required field added to a published version (DTO, nested)')!;
    const diff = diffContracts(required.before, required.after);
    expect(diff.changes).toEqual([
      {
        kind: 'required-field-added',
        breaking: true,
        pattern: '{"cmd":"create_user"}',
        version: 1,
        path: 'address.country',
        message: 'required field added to a published version: add it in a new version with an upcaster instead',
      },
    ]);
    const removed = documents.get('a version removed while a client still sends it')!;
    const report = formatDiffReport(diffContracts(removed.before, removed.after));
    expect(report).toBe(
      [
        '## Contract changes: 1 breaking, 0 not breaking',
        '',
        '### Breaking',
        '',
        "- `{\"cmd\":\"get_user\"}` v1: v1 removed while client 'caller' still sends it: its calls get UNSUPPORTED_VERSION. Keep v1 until no client sends it (version-removed)",
        '',
      ].join('\n'),
    );
    expect(formatDiffReport(diffContracts(removed.before, removed.before))).toBe('## Contract changes: none\n\nThe contracts are unchanged.\n');
  });

  it('merges the documents of several services: a version is still sent if any of them sends it', async () => {
    const pair = DIFF_PAIRS.find((p) => p.name === 'a version removed that no client sends any more')!;
    const { before, after } = documents.get(pair.name)!;
    const stillSending = await documentOf([], [{ contract: pair.before.receive[0]!, versions: [1] }]);
    expect(diffContracts(before, after).breaking).toBe(false);
    expect(diffContracts([before, stillSending], [after, stillSending]).changes.map((c) => c.kind)).toEqual(['version-removed']);
  });

  it('the documents it compares are valid AsyncAPI', async () => {
    const { after } = documents.get('a version removed while a client still sends it')!;
    expect(await unexplainedDiagnostics(after)).toEqual([]);
  });
});
