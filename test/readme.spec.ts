import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The documentation (README.md and docs/*.md) against the code:
 * - every ```ts block is preceded by `<!-- snippet: FILE#REGION -->` and is the
 *   `// #region REGION` ... `// #endregion REGION` of FILE (indentation removed), a file that
 *   `npm run typecheck` compiles (tsconfig.json's `include`; tsconfig.nest11.json extends it);
 * - every relative link points to an existing file, and its `#anchor` to a heading of that file
 *   (GitHub's slugs).
 */
const root = join(__dirname, '..');
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Block {
  doc: string;
  line: number;
  lang: string;
  marker: string | undefined;
  code: string;
}

/** Fenced code blocks, with the snippet marker on the line before each, if any. */
function blocks(doc: string): Block[] {
  const lines = read(doc).split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    i++;
    while (i < lines.length && !lines[i]!.startsWith('```')) i++;
    const marker = /^<!-- snippet: (\S+) -->$/.exec(lines[start - 1] ?? '')?.[1];
    found.push({ doc, line: start + 1, lang: open[1]!, marker, code: lines.slice(start + 1, i).join('\n') });
  }
  return found;
}

/** The text without its code blocks (links and headings in code do not count). */
function prose(doc: string): string {
  return read(doc).replace(/^```[\s\S]*?^```/gm, '');
}

function dedent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** GitHub's heading anchors: lower case, punctuation removed, spaces to hyphens, repeats numbered. */
function anchors(doc: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(doc).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[]; exclude: string[] };
const compiled = (file: string) =>
  file.endsWith('.ts') &&
  !file.endsWith('.d.ts') &&
  tsconfig.include.some((p) => file === p || file.startsWith(`${p}/`)) &&
  !tsconfig.exclude.some((p) => file === p || file.startsWith(`${p}/`));

const all = docs.flatMap(blocks);
const ts = all.filter((b) => /^(ts|typescript|tsx)$/.test(b.lang));

describe('documentation code blocks', () => {
  it('has TypeScript blocks in the README and in the guides', () => {
    expect(ts.filter((b) => b.doc === 'README.md').length).toBeGreaterThan(0);
    expect(ts.filter((b) => b.doc !== 'README.md').length).toBeGreaterThan(0);
  });

  it('marks every TypeScript block as a snippet of compiled code', () => {
    const unmarked = ts.filter((b) => !b.marker).map((b) => `${b.doc}:${b.line}`);
    expect(unmarked).toEqual([]);
  });

  it('gives a language to every block', () => {
    expect(all.filter((b) => !b.lang).map((b) => `${b.doc}:${b.line}`)).toEqual([]);
  });

  it.each(ts.filter((b) => b.marker).map((b) => [`${b.doc}:${b.line} ${b.marker}`, b] as const))('%s matches its source', (_, block) => {
    const [file, region] = block.marker!.split('#') as [string, string];
    expect(compiled(file) ? file : `${file} (not compiled by npm run typecheck)`).toBe(file);
    expect(existsSync(join(root, file))).toBe(true);
    const match = new RegExp(`// #region ${region}\\n([\\s\\S]*?)// #endregion ${region}\\n`).exec(read(file));
    expect(match ? 'found' : `region ${region} missing in ${file}`).toBe('found');
    expect(dedent(block.code)).toBe(dedent(match![1]!));
  });
});

describe('documentation links', () => {
  const links = docs.flatMap((doc) =>
    [...prose(doc).matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => [doc, target] as const),
  );

  it('has relative links', () => {
    expect(links.length).toBeGreaterThan(0);
  });

  it('resolves every relative link to a file and every anchor to a heading', () => {
    const broken = links.filter(([doc, target]) => {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path ? relative(root, resolve(dirname(join(root, doc)), path)) : doc;
      if (!existsSync(join(root, file))) return true;
      if (anchor === undefined) return false;
      return !file.endsWith('.md') || statSync(join(root, file)).isDirectory() || !anchors(file).has(anchor);
    });
    expect(broken.map(([doc, target]) => `${doc}: ${target}`)).toEqual([]);
  });

  it('computes GitHub anchors', () => {
    expect([...anchors('docs/transports.md')]).toContain('known-transport-issues-nests-not-the-librarys');
  });
});
