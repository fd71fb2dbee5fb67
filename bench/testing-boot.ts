/**
 * `npm run bench:testing`: how long the e2e suites that also run on the test
 * kit's in-memory transport (client, handlers, deadlines) take to boot their
 * applications there. Runs those suites' in-memory tests with jest, on Nest 12
 * then Nest 11, one file at a time (--runInBand), with MESSAGING_BOOT_TIMES set:
 * every boot of a server, client module or hybrid app
 * (test/support/suite-transports.ts, `timedBoot`) is repeated and appends its
 * durations. Prints, per file and major, each boot and the sums of a file's
 * boots (every app it starts, in its hooks and in its tests).
 *
 * Figures per boot, after a first (cold) boot: the median and the minimum wall
 * time of MESSAGING_BOOT_RUNS (7) boots, and their median CPU time. The cold
 * boot also loads through jest's module registry what Nest and the handlers'
 * contracts require lazily (jest gives each file a fresh registry: a user's
 * first test file pays it too, whatever the transport). The machine may be
 * shared with other work (the load average is printed): wall times then
 * stretch, CPU times much less. Exits 1 when a suite fails, or when a file's
 * sum of median CPU times or of minimum wall times reaches the budget
 * (100 ms; BOOT_BUDGET_MS). BOOT_TRANSPORT='over TCP' measures the TCP runs instead, to compare.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const files = ['test/client.e2e.spec.ts', 'test/handlers.e2e.spec.ts', 'test/deadlines.e2e.spec.ts'];
const budget = Number(process.env.BOOT_BUDGET_MS ?? 100);
/** The runs measured, by test name: 'in memory' (the default), or 'over TCP' to compare. */
const transport = process.env.BOOT_TRANSPORT ?? 'in memory';
const majors: Array<{ major: number; config: string }> = [
  { major: 12, config: 'jest.config.ts' },
  { major: 11, config: 'jest.nest11.config.ts' },
];

interface Boot {
  file: string;
  what: string;
  cold: number;
  warm: number;
  min: number;
  cpu: number;
}

const work = mkdtempSync(join(tmpdir(), 'bench-testing-'));
let failed = false;
try {
  console.log(`Boot time of the '${transport}' runs (budget ${budget} ms per file; Node ${process.version}; load average ${loadavg()[0]!.toFixed(1)})\n`);
  for (const { major, config } of majors) {
    const out = join(work, `boots-${major}.jsonl`);
    writeFileSync(out, '');
    try {
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/jest/bin/jest.js'), '-c', config, '--runInBand', '--testNamePattern', transport, ...files],
        { cwd: root, env: { ...process.env, MESSAGING_BOOT_TIMES: out }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      failed = true;
      console.error(`Nest ${major}: the suites failed\n${String((err as { stderr?: Buffer }).stderr ?? err).slice(-4000)}`);
    }
    const boots = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Boot);
    console.log(`Nest ${major}`);
    console.log('| file | boots | each: wall median (ms) | sum: wall median | sum: wall min | sum: CPU median | sum: cold |');
    console.log('|---|---|---|---|---|---|---|');
    for (const file of files) {
      const own = boots.filter((b) => b.file.endsWith(file));
      const sum = (key: 'cold' | 'warm' | 'min' | 'cpu') => own.reduce((total, b) => total + b[key], 0);
      const each = own.map((b) => `${b.what} ${b.warm.toFixed(1)}`).join(', ');
      const figures = [sum('warm'), sum('min'), sum('cpu'), sum('cold')].map((n) => n.toFixed(1)).join(' | ');
      console.log(`| ${basename(file)} | ${own.length} | ${each} | ${figures} |`);
      if (own.length === 0 || sum('cpu') >= budget || sum('min') >= budget) failed = true;
    }
    console.log('');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.error(`FAILED: a suite failed, booted nothing, or a file's boots took ${budget} ms or more`);
  process.exitCode = 1;
}
