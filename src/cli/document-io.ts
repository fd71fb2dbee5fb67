import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { AsyncApiDocument } from '../asyncapi/asyncapi.types';
import { CliError } from './cli-error';

/** A document as JSON (2-space indent) or YAML. */
export function serialize(doc: AsyncApiDocument, format: 'json' | 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  // No anchors: operations share reply objects, which YAML would otherwise alias.
  return stringifyYaml(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/**
 * The documents at `path`: the file (JSON or YAML, by extension, else tried
 * as JSON then YAML), or every `.json`, `.yaml` and `.yml` file of the
 * folder, sorted by name (the documents of a system's services).
 * @throws CliError when nothing can be read.
 */
export function readDocuments(path: string): AsyncApiDocument[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new CliError(`no such file or folder: ${path}`);
  }
  if (!stat.isDirectory()) return [readDocument(path)];
  const files = readdirSync(path).filter((f) => ['.json', '.yaml', '.yml'].includes(extname(f))).sort();
  if (files.length === 0) throw new CliError(`${path} holds no .json, .yaml or .yml document`);
  return files.map((f) => readDocument(join(path, f)));
}

function readDocument(file: string): AsyncApiDocument {
  const content = readFileSync(file, 'utf8');
  const ext = extname(file);
  try {
    if (ext === '.json') return JSON.parse(content) as AsyncApiDocument;
    if (ext === '.yaml' || ext === '.yml') return parseYaml(content) as AsyncApiDocument;
    try {
      return JSON.parse(content) as AsyncApiDocument;
    } catch {
      return parseYaml(content) as AsyncApiDocument;
    }
  } catch (err) {
    throw new CliError(`${file} is not valid ${ext === '.json' ? 'JSON' : 'JSON or YAML'}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
