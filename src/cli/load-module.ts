import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamicModule, Type } from '@nestjs/common';
import type { AsyncApiOptions } from '../asyncapi/generate-asyncapi';
import { CliError } from './cli-error';

/** The application module found in a file, and what else the file says. */
export interface LoadedModule {
  /** A module class or a dynamic module. */
  readonly module: Type<unknown> | DynamicModule;
  /** The export it came from. */
  readonly exportName: string;
  /** The file's `asyncApiOptions` export, if any. */
  readonly options?: AsyncApiOptions;
  /** The nearest package.json's name and version, for the document's info. */
  readonly pkg: { readonly name?: string; readonly version?: string };
}

const MODULE_KEYS = ['imports', 'controllers', 'providers', 'exports'];

/**
 * Loads the file of an application's module: `import()` for ES modules (`.mjs`,
 * or `.js` under a package.json with `"type": "module"`), `require` otherwise
 * (so `node -r ts-node/register` makes `.ts` files loadable). The module is
 * the export named by `exportName`, else the default export, else the one
 * export that is a Nest module (a class with `@Module` metadata, or a dynamic
 * module); a promise of one is awaited.
 * @throws CliError when the file is missing or holds no single module.
 */
export async function loadModule(file: string, exportName?: string): Promise<LoadedModule> {
  const path = resolve(process.cwd(), file);
  if (!existsSync(path)) throw new CliError(`no such file: ${file}`);
  const exports = (
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS files (and .ts under a require hook) load through require
    isEsm(path) ? await import(pathToFileURL(path).href) : require(path)
  ) as Record<string, unknown>;
  const options = exports.asyncApiOptions as AsyncApiOptions | undefined;
  const pkg = nearestPackage(dirname(path));
  if (exportName !== undefined) {
    if (!(exportName in exports)) throw new CliError(`${file} has no export named ${exportName}`);
    return { module: await asModule(exports[exportName], `${file}#${exportName}`), exportName, options, pkg };
  }
  const fallback = exports.default as unknown;
  const candidates = Object.entries(exports).filter(([name, value]) => name !== 'default' && isModule(value));
  if (fallback !== undefined && (isModule(fallback) || isThenable(fallback) || candidates.length === 0)) {
    const unwrapped = isModule((fallback as { default?: unknown }).default) ? (fallback as { default: unknown }).default : fallback;
    return { module: await asModule(unwrapped, `${file}#default`), exportName: 'default', options, pkg };
  }
  if (candidates.length !== 1) {
    throw new CliError(
      candidates.length === 0
        ? `${file} exports no Nest module (a class with @Module, or a dynamic module): export one, or name it with --export`
        : `${file} exports several modules (${candidates.map(([n]) => n).join(', ')}): name one with --export`,
    );
  }
  const [name, value] = candidates[0]!;
  return { module: value as Type<unknown> | DynamicModule, exportName: name, options, pkg };
}

async function asModule(value: unknown, where: string): Promise<Type<unknown> | DynamicModule> {
  const resolved: unknown = isThenable(value) ? await value : value;
  if (!isModule(resolved)) throw new CliError(`${where} is not a Nest module (a class with @Module, or a dynamic module)`);
  return resolved;
}

function isModule(value: unknown): value is Type<unknown> | DynamicModule {
  if (typeof value === 'function') return MODULE_KEYS.some((key) => Reflect.hasOwnMetadata(key, value));
  return value !== null && typeof value === 'object' && typeof (value as { module?: unknown }).module === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

function isEsm(path: string): boolean {
  const ext = extname(path);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext !== '.js') return false;
  return nearestPackage(dirname(path)).type === 'module';
}

function nearestPackage(dir: string): { name?: string; version?: string; type?: string } {
  for (let d = dir; ; d = dirname(d)) {
    const file = join(d, 'package.json');
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string; type?: string };
      } catch {
        return {};
      }
    }
    if (dirname(d) === d) return {};
  }
}
