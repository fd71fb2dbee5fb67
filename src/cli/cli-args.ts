import { CliError } from './cli-error';

/** A command line split into positionals and `--name value` / `--name=value` flags. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: ReadonlyMap<string, string | true>;
}

/**
 * Splits `argv` (without node and the script). A flag takes the next word as
 * its value unless it is in `booleans`; `--` ends the flags.
 * @throws CliError for a flag that is not in `known`.
 */
export function parseArgs(argv: readonly string[], known: readonly string[], booleans: readonly string[] = ['help']): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (word === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!known.includes(name) && !booleans.includes(name)) throw new CliError(`unknown option --${name}`);
    if (booleans.includes(name)) {
      flags.set(name, true);
    } else if (inline !== undefined) {
      flags.set(name, inline);
    } else {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new CliError(`--${name} needs a value`);
      flags.set(name, value);
    }
  }
  return { positionals, flags };
}

/** The value of flag `name` if it is one of `allowed`, else `fallback`. @throws CliError for another value. */
export function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const value = args.flags.get(name);
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`--${name} must be one of ${allowed.join(', ')}`);
}

/** The string value of flag `name`, if given. */
export function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}
