/*
 * Cold require time: `require('@nestjs/microservices')` alone against `require` of the library's built
 * main entry (which loads Nest's packages it uses too), each in a fresh node process (no ts-node: the
 * built JavaScript, as users load it), alternated, median of 5. Nest 11 is loaded from compat/nest11
 * by a resolve hook installed before the clock starts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, median, printTable, ROOT } from './harness';

const SAMPLES = 5;
const NEST11 = join(ROOT, 'compat', 'nest11', 'node_modules', '@nestjs');

/** Runs in the fresh process: argv[1] the modules to require (JSON), argv[2] the Nest 11 folder or ''. */
const PROBE = `
const Module = require('node:module');
const nest11 = process.argv[2];
if (nest11) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    const m = /^@nestjs\\/(common|core|microservices)(\\/.*)?$/.exec(request);
    return resolve.call(this, m ? nest11 + '/' + m[1] + (m[2] || '') : request, ...rest);
  };
}
const targets = JSON.parse(process.argv[1]);
const t = performance.now();
for (const target of targets) require(target);
process.stdout.write(String(performance.now() - t));
`;

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) t = Math.max(t, statSync(path).mtimeMs);
  }
  return t;
}

const fresh = (file: string, since: number): boolean => existsSync(file) && statSync(file).mtimeMs >= since;

/**
 * The built main entry: dist/index.js when it is at least as new as src, else a build of src
 * (tsconfig.build.json) into .tmp/bench-dist, inside the repository so that node_modules resolve.
 */
export function libraryEntry(): { path: string; label: string } {
  const since = newest(join(ROOT, 'src'));
  const dist = join(ROOT, 'dist', 'index.js');
  if (fresh(dist, since)) return { path: dist, label: 'dist/index.js' };
  const outDir = join(ROOT, '.tmp', 'bench-dist');
  const built = join(outDir, 'index.js');
  if (!fresh(built, since)) {
    console.error(`bench: building src into ${outDir} (no up-to-date dist/) for the cold require measure...`);
    rmSync(outDir, { recursive: true, force: true });
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  return { path: built, label: '.tmp/bench-dist/index.js (src built with tsconfig.build.json)' };
}

function sample(targets: string[], nest11: boolean): number {
  const result = spawnSync(process.execPath, ['-e', PROBE, JSON.stringify(targets), nest11 ? NEST11 : ''], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const ms = Number(result.stdout);
  if (result.status !== 0 || !Number.isFinite(ms)) throw new Error(`cold require of ${targets.join(', ')} failed: ${result.stderr}`);
  return ms;
}

export function printColdRequire(nestMajor: number, entry: { path: string; label: string }): void {
  const cases: Array<[string, string[]]> = [
    ["require('@nestjs/microservices')", ['@nestjs/microservices']],
    ['@nestjs/common + @nestjs/core + @nestjs/microservices (what any Nest microservice loads)', ['@nestjs/common', '@nestjs/core', '@nestjs/microservices']],
    [`require of the library's main entry: ${entry.label}`, [entry.path]],
  ];
  const samples: number[][] = cases.map(() => []);
  for (let s = 0; s < SAMPLES; s++) cases.forEach(([, targets], i) => samples[i]!.push(sample(targets, nestMajor === 11)));
  const ms = samples.map(median);
  printTable(
    [`cold require, Nest ${nestMajor}, fresh process each (median of ${SAMPLES})`, 'ms', 'samples (ms)'],
    cases.map(([name], i) => [name, fmt(ms[i]!, 1), samples[i]!.map((x) => fmt(x, 0)).join(' ')]),
  );
  console.log(
    `The library's entry: ${fmt(ms[2]! - ms[0]!, 1)} ms over @nestjs/microservices alone, ${fmt(ms[2]! - ms[1]!, 1)} ms over common + core + microservices.\n`,
  );
}
