import type { AsyncApiDocument, JsonSchema } from '../asyncapi.types';
import type { ContractChange, ContractChangeKind, ContractDiff } from './contract-change';
import { readDocuments, type PatternModel } from './contract-model';
import { canonical, diffSchemas } from './schema-diff';

/**
 * Compares the AsyncAPI documents of an application (or of a whole system:
 * several documents per side, merged) before and after a change, and lists
 * what changed in its contracts, breaking changes first.
 *
 * Breaking: a version a handler no longer accepts while a client in the new
 * documents still sends it; a required field added to a published version
 * (instead of a new version with an upcaster), an optional field made
 * required, a field removed or its type narrowed (a type, a bound, a format,
 * fewer properties allowed); an enum value removed from an accepted payload
 * or added to a response; a response field removed or made optional; a
 * pattern renamed or removed; a request made an event or the other way round;
 * whatever the check cannot classify. Not breaking: a new optional field, a
 * new version (with its upcaster), a new pattern, a wider accepted type, a
 * version removed that no client in the documents sends.
 *
 * @throws Error when a document is not one `generateAsyncApi` made.
 * @example
 * const diff = diffContracts(oldDoc, newDoc);
 * if (diff.breaking) console.log(formatDiffReport(diff));
 */
export function diffContracts(
  before: AsyncApiDocument | readonly AsyncApiDocument[],
  after: AsyncApiDocument | readonly AsyncApiDocument[],
): ContractDiff {
  const old = readDocuments(Array.isArray(before) ? before : [before as AsyncApiDocument]);
  const neu = readDocuments(Array.isArray(after) ? after : [after as AsyncApiDocument]);
  const changes: ContractChange[] = [];
  const add = (kind: ContractChangeKind, breaking: boolean, pattern: string, message: string, extra: Partial<ContractChange> = {}) =>
    changes.push({ kind, breaking, pattern, message, ...extra });

  const removed = [...old.values()].filter((m) => m.received && !neu.get(m.route)?.received);
  const added = [...neu.values()].filter((m) => m.received && !old.get(m.route)?.received);
  for (const gone of removed) {
    const twin = added.find((a) => a.kind === gone.kind && sameVersions(gone, a));
    if (twin) {
      added.splice(added.indexOf(twin), 1);
      add('pattern-renamed', true, gone.route, `pattern renamed to ${twin.route}: callers that send ${gone.route} get UNIMPLEMENTED. Keep a handler for the old pattern until no caller sends it`);
    } else {
      add('pattern-removed', true, gone.route, 'no handler receives this pattern any more: callers get UNIMPLEMENTED');
    }
  }
  for (const fresh of added) add('pattern-added', false, fresh.route, `new ${fresh.kind === 'request' ? 'request' : 'event'} pattern`);

  for (const before of old.values()) {
    const now = neu.get(before.route);
    if (!before.received || !now?.received) continue;
    if (before.kind !== now.kind) {
      add('kind-changed', true, before.route, `was ${article(before.kind)}, is now ${article(now.kind)}: its callers break`);
      continue;
    }
    diffVersions(before, now, add);
    if (before.kind === 'request') diffResponse(before, now, add);
  }
  changes.sort((a, b) => Number(b.breaking) - Number(a.breaking) || a.pattern.localeCompare(b.pattern));
  return { breaking: changes.some((c) => c.breaking), changes };
}

type Add = (kind: ContractChangeKind, breaking: boolean, pattern: string, message: string, extra?: Partial<ContractChange>) => void;

function diffVersions(before: PatternModel, now: PatternModel, add: Add): void {
  const route = before.route;
  const highest = Math.max(0, ...before.accepted);
  for (const version of [...before.accepted].sort((a, b) => a - b)) {
    if (now.accepted.has(version)) continue;
    const senders = [...(now.sent.get(version) ?? [])];
    if (senders.length) {
      add('version-removed', true, route, `v${version} removed while client ${senders.map((s) => `'${s}'`).join(', ')} still sends it: its calls get UNSUPPORTED_VERSION. Keep v${version} until no client sends it`, { version });
    } else {
      add('version-removed-unsent', false, route, `v${version} removed; no client in these documents sends it (check callers that publish no document)`, { version });
    }
  }
  for (const version of [...now.accepted].sort((a, b) => a - b)) {
    if (before.accepted.has(version)) continue;
    const from = [...now.upcastTo].find(([, to]) => to === version)?.[0];
    add('version-added', false, route, version > highest && from !== undefined ? `new version v${version}, upcast from v${from}` : `v${version} accepted`, { version });
  }
  for (const version of [...before.accepted].filter((v) => now.accepted.has(v)).sort((a, b) => a - b)) {
    const [o, n] = [before.payloads.get(version), now.payloads.get(version)];
    if (!o || !n) continue;
    for (const finding of diffSchemas(o, n, 'accepts')) {
      add(finding.kind, finding.breaking, route, finding.message, { version, ...(finding.path ? { path: finding.path } : {}) });
    }
  }
}

function diffResponse(before: PatternModel, now: PatternModel, add: Add): void {
  const [o, n] = [before.response ?? null, now.response ?? null];
  if (o === null && n === null) return;
  if (o === null) return add('response-added', false, before.route, 'the response now has a schema', { version: 'response' });
  if (n === null) return add('response-removed', true, before.route, 'the response no longer has a schema: callers cannot rely on its shape', { version: 'response' });
  for (const finding of diffSchemas(o, n, 'produces')) {
    add(finding.kind, finding.breaking, before.route, finding.message, { version: 'response', ...(finding.path ? { path: finding.path } : {}) });
  }
}

/** Whether two patterns have the same versions with the same payload schemas (a rename, not a new contract). */
function sameVersions(a: PatternModel, b: PatternModel): boolean {
  const text = (m: PatternModel) => canonical([...m.accepted].sort((x, y) => x - y).map((v) => [v, m.payloads.get(v) ?? null as JsonSchema | null]));
  return a.accepted.size > 0 && text(a) === text(b) && canonical(a.response ?? null) === canonical(b.response ?? null);
}

function article(kind: 'request' | 'event'): string {
  return kind === 'request' ? 'a request' : 'an event';
}
