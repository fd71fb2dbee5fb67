import type { LoggerService } from '@nestjs/common';

/** One call of a LoggerService method: one line. */
export interface CapturedLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  /** The logger's context (the last string argument), e.g. 'MessagingServer'. */
  context: string | undefined;
  /** Every argument, as text, joined with spaces (message, stack, context). */
  text: string;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A Nest LoggerService that records every line (one per call, at every level)
 * instead of printing it. Pass it as `logger` to NestFactory: Nest makes it the
 * static logger of the process, so every `new Logger(context)` (the library's
 * included) writes here. Use ONE instance per test file: each app created with
 * another `logger` would replace it for all of them.
 */
export class CapturingLogger implements LoggerService {
  readonly lines: CapturedLine[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.push('fatal', message, rest);
  }

  /** The lines whose text contains `needle`. */
  containing(needle: string): CapturedLine[] {
    return this.lines.filter((l) => l.text.includes(needle));
  }

  private push(level: CapturedLine['level'], message: unknown, rest: unknown[]): void {
    const last = rest[rest.length - 1];
    const context = typeof last === 'string' ? last : undefined;
    this.lines.push({ level, context, text: [message, ...rest].map(asText).join(' ') });
  }
}
