import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every README code block preceded by `<!-- snippet: FILE#REGION -->` must be the
 * `// #region REGION` of FILE, which the test suite compiles and runs.
 */
describe('README snippets', () => {
  const root = join(__dirname, '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/<!-- snippet: ([^#\s]+)#(\S+) -->\n```ts\n([\s\S]*?)```/g)];

  it('has snippets', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it.each(snippets.map((m) => [`${m[1]}#${m[2]}`, m[1]!, m[2]!, m[3]!]))('%s matches its source', (_, file, region, block) => {
    const source = readFileSync(join(root, file), 'utf8');
    const match = new RegExp(`// #region ${region}\\n([\\s\\S]*?)// #endregion ${region}`).exec(source);
    expect(match).not.toBeNull();
    expect(block.trim()).toBe(match![1]!.trim());
  });
});
