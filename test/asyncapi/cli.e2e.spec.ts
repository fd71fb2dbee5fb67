import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AsyncApiDocument } from '../../src/asyncapi';
import { nestMajor } from '../support/nest';
import { DIFF_PAIRS } from './diff.fixtures';
import { documentOf } from './support';

const root = join(__dirname, '..', '..');

/** Runs the CLI from source as a process (ts-node through scripts/register.cjs, on this run's Nest major). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(root, 'scripts', 'register.cjs'), join(root, 'src', 'cli', 'main.ts'), ...args],
      { cwd: root, env: { ...process.env, MESSAGING_NEST_MAJOR: String(nestMajor) }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe(`the nestjs-messaging command, run as a process (Nest ${nestMajor})`, () => {
  let dir: string;
  let before: string;
  let after: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-messaging-cli-'));
    const pair = DIFF_PAIRS.find((p) => p.name === 'a version removed while a client still sends it')!;
    before = join(dir, 'before.json');
    after = join(dir, 'after.json');
    writeFileSync(before, JSON.stringify(await documentOf(pair.before.receive, pair.before.send)));
    writeFileSync(after, JSON.stringify(await documentOf(pair.after.receive, pair.after.send)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exit codes: 0 written, 0 no breaking change, 1 breaking, 2 failed', async () => {
    const out = join(dir, 'users-service.yaml');
    const [written, same, breaking, json, missing, noModule, unknown] = await Promise.all([
      cli(['asyncapi', 'test/fixtures/asyncapi-app.ts', '--out', out]),
      cli(['contracts', 'diff', before, before]),
      cli(['contracts', 'diff', before, after]),
      cli(['contracts', 'diff', before, after, '--format', 'json']),
      cli(['contracts', 'diff', join(dir, 'missing.json'), after]),
      cli(['asyncapi', 'test/fixtures/users.contracts.ts']),
      cli(['contract', 'diff']),
    ]);
    expect(written).toMatchObject({ code: 0, stderr: '' });
    expect(written.stdout).toMatch(/^wrote .*users-service\.yaml: 13 channels, 14 operations\n$/);
    const doc = parseYaml(readFileSync(out, 'utf8')) as AsyncApiDocument; // --out *.yaml: YAML
    expect(doc.info).toEqual({ title: 'users-service', version: '2.3.0', description: 'The fixture application of the AsyncAPI tests.' });

    expect(same).toEqual({ code: 0, stdout: '## Contract changes: none\n\nThe contracts are unchanged.\n', stderr: '' });
    expect(breaking.code).toBe(1);
    expect(breaking.stdout).toContain("### Breaking\n\n- `{\"cmd\":\"get_user\"}` v1: v1 removed while client 'caller' still sends it");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ breaking: true, changes: [{ kind: 'version-removed', version: 1 }] });
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe(`nestjs-messaging: no such file or folder: ${join(dir, 'missing.json')}\n`);
    expect(noModule.code).toBe(2);
    expect(noModule.stderr).toContain('test/fixtures/users.contracts.ts exports no Nest module (a class with @Module, or a dynamic module)');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'contract diff'");
  }, 120_000);
});
