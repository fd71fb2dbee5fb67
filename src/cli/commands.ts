import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { diffContracts } from '../asyncapi/diff/contract-diff';
import { formatDiffReport } from '../asyncapi/diff/diff-report';
import { generateAsyncApi } from '../asyncapi/generate-asyncapi';
import { choice, text, type ParsedArgs } from './cli-args';
import { CliError } from './cli-error';
import { readDocuments, serialize } from './document-io';
import { DocumentOnlyServer } from './document-only-server';
import { loadModule } from './load-module';

/** What a command prints and its exit code. */
export interface CommandResult {
  readonly stdout: string;
  readonly code: number;
}

/**
 * `asyncapi <module-file> [--export name] [--out file] [--format json|yaml]`:
 * boots the module as a microservice whose server never listens (providers
 * and controllers are built; no lifecycle hook runs, no client connects),
 * writes its AsyncAPI document, and closes it.
 */
export async function asyncapiCommand(args: ParsedArgs): Promise<CommandResult> {
  const [file, extra] = args.positionals;
  if (!file || extra !== undefined) throw new CliError('usage: nestjs-messaging asyncapi <module-file> [--export <name>] [--out <file>] [--format json|yaml]');
  const out = text(args, 'out');
  const format = choice(args, 'format', ['json', 'yaml'], out && /\.ya?ml$/.test(out) ? 'yaml' : 'json');
  const loaded = await loadModule(file, text(args, 'export'));
  const app = await NestFactory.createMicroservice(loaded.module, { strategy: new DocumentOnlyServer(), logger: ['error'], abortOnError: false });
  try {
    const moduleName = typeof loaded.module === 'function' ? loaded.module.name : loaded.module.module.name;
    const doc = await generateAsyncApi(app, {
      ...loaded.options,
      info: {
        title: loaded.pkg.name ?? moduleName,
        ...(loaded.pkg.version ? { version: loaded.pkg.version } : {}),
        ...loaded.options?.info,
      },
    });
    const content = serialize(doc, format);
    if (!out) return { stdout: content, code: 0 };
    writeFileSync(out, content);
    const operations = Object.keys(doc.operations).length;
    return { stdout: `wrote ${out}: ${Object.keys(doc.channels).length} channels, ${operations} operations\n`, code: 0 };
  } finally {
    await app.close();
  }
}

/** `contracts diff <old> <new> [--format markdown|json]`: exits 1 when a change is breaking. */
export function diffCommand(args: ParsedArgs): CommandResult {
  const [before, after, extra] = args.positionals;
  if (!before || !after || extra !== undefined) {
    throw new CliError('usage: nestjs-messaging contracts diff <old> <new> [--format markdown|json] (files, or folders of documents)');
  }
  const format = choice(args, 'format', ['markdown', 'json'], 'markdown');
  let diff;
  try {
    diff = diffContracts(readDocuments(before), readDocuments(after));
  } catch (err) {
    throw err instanceof CliError ? err : new CliError(err instanceof Error ? err.message : String(err));
  }
  return { stdout: formatDiffReport(diff, format), code: diff.breaking ? 1 : 0 };
}
