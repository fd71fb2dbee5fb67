import { appendFileSync } from 'node:fs';
import { runInNewContext, runInThisContext } from 'node:vm';
import { MessagingError } from '../../../src';

/** One row of the fault suite's summary table. */
export interface SummaryRow {
  scenario: string;
  calls: number;
  succeeded: number;
  typedFailures: number;
  hung: number;
  unhandledRejections: number;
  notes?: string;
}

/** Appends a row to the summary printed at the end of `npm run test:faults`. */
export function record(row: SummaryRow): void {
  const file = process.env.MESSAGING_FAULTS_SUMMARY;
  if (file) appendFileSync(file, JSON.stringify(row) + '\n');
}

/**
 * The real process object. The `process` a jest test sees is a copy whose
 * listeners Node never calls; `vm.runInThisContext` evaluates in Node's main
 * context, where `process` is the real one.
 */
const realProcess = runInThisContext('process') as NodeJS.Process;

/**
 * Counts the process's unhandled rejections while a scenario runs (jest also
 * fails the test on one: both see it).
 */
export function watchUnhandledRejections(): { count: () => number; stop: () => void } {
  let n = 0;
  const onRejection = () => {
    n++;
  };
  realProcess.on('unhandledRejection', onRejection);
  return { count: () => n, stop: () => realProcess.off('unhandledRejection', onRejection) };
}

/** Outcomes of a set of calls. */
export class CallTally {
  calls = 0;
  succeeded = 0;
  typedFailures = 0;
  untyped: unknown[] = [];
  hung = 0;
  /** Longest time a call took, in ms. */
  slowest = 0;
  readonly codes = new Map<string, number>();

  /**
   * Runs one call; counts it hung when it has not ended within `limitMs` (it is still awaited).
   */
  async run(call: () => Promise<unknown>, limitMs: number): Promise<void> {
    this.calls++;
    const started = performance.now();
    let ended = false;
    const watchdog = setTimeout(() => {
      if (!ended) this.hung++;
    }, limitMs);
    try {
      await call();
      this.succeeded++;
    } catch (err) {
      if (err instanceof MessagingError) {
        this.typedFailures++;
        this.codes.set(err.code, (this.codes.get(err.code) ?? 0) + 1);
      } else {
        this.untyped.push(err);
      }
    } finally {
      ended = true;
      clearTimeout(watchdog);
      this.slowest = Math.max(this.slowest, performance.now() - started);
    }
  }

  codesText(): string {
    return [...this.codes].map(([c, n]) => `${c} ${n}`).join(', ');
  }
}

/** Node's gc(), exposed by `--expose-gc` (the npm script sets it). */
export function gc(): void {
  const fn = (globalThis as { gc?: () => void }).gc ?? (runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined);
  if (!fn) throw new Error('run the fault suite with --expose-gc (npm run test:faults)');
  fn();
}

/** Heap in use after two full GCs, in bytes. */
export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;
