#!/usr/bin/env node
/*
 * The `nestjs-messaging` command (package.json `bin`). Exit codes: 0 done
 * (no breaking change), 1 `contracts diff` found a breaking change, 2 the
 * command failed (bad arguments, a module or document that cannot be read, a
 * schema that cannot be converted).
 */
import 'reflect-metadata';
import { parseArgs } from './cli-args';
import { CliError } from './cli-error';
import { asyncapiCommand, diffCommand, type CommandResult } from './commands';

const USAGE = `Usage:
  nestjs-messaging asyncapi <module-file> [--export <name>] [--out <file>] [--format json|yaml]
      Boots the module (no server listens, no client connects, no lifecycle hook runs)
      and writes its AsyncAPI 3.0 document. The module is the file's default export,
      its one exported Nest module, or the export named by --export; an export named
      asyncApiOptions (info, servers) is used when present.
  nestjs-messaging contracts diff <old> <new> [--format markdown|json]
      Compares two documents (files, or folders whose documents are merged) and
      reports the contract changes; exits 1 on a breaking change.

Exit codes: 0 done, 1 breaking changes, 2 the command failed.
`;

/** Runs the command line `argv` (without node and the script). */
export async function run(argv: readonly string[]): Promise<CommandResult> {
  const [command, sub] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { stdout: USAGE, code: 0 };
  if (command === 'asyncapi') {
    const args = parseArgs(argv.slice(1), ['export', 'out', 'format']);
    return args.flags.has('help') ? { stdout: USAGE, code: 0 } : asyncapiCommand(args);
  }
  if (command === 'contracts' && sub === 'diff') {
    const args = parseArgs(argv.slice(2), ['format']);
    return args.flags.has('help') ? { stdout: USAGE, code: 0 } : diffCommand(args);
  }
  throw new CliError(`unknown command '${argv.join(' ')}'\n\n${USAGE}`);
}

function finish(stdout: string, stderr: string, code: number): void {
  // Exit once the output is flushed: a provider of the application may hold a handle open.
  process.stderr.write(stderr, () => process.stdout.write(stdout, () => process.exit(code)));
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (result) => finish(result.stdout, '', result.code),
    (err: unknown) => {
      const message = err instanceof CliError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      finish('', `nestjs-messaging: ${message}\n`, 2);
    },
  );
}
