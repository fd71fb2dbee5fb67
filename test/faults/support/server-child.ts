import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerProcessConfig, ServerStats } from './server-process';

export type { ServerProcessConfig, ServerStats } from './server-process';

/** A server process of the fault suite (support/server-process.ts). */
export class ServerChild {
  readonly process: ChildProcess;
  private readonly ready: Promise<void>;
  private seq = 0;

  /** @param execPath the node binary to run it with (another Node major); this process's by default. */
  constructor(config: ServerProcessConfig = {}, execPath?: string) {
    this.process = fork(join(__dirname, 'server-process.ts'), [], {
      ...(execPath === undefined ? {} : { execPath }),
      execArgv: ['-r', 'ts-node/register', '--expose-gc'],
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_SWC: 'true',
        TS_NODE_PROJECT: join(__dirname, '../../../tsconfig.json'),
        MESSAGING_FAULTS_SERVER: JSON.stringify(config),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = this.next((m) => m.ready === true).then(() => undefined);
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Resolves once the process has loaded (and is idle, waiting for `listen`). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Waits for the process to load, then makes it listen (port 0: any) and returns the port. */
  async listen(port = 0): Promise<number> {
    await this.ready;
    return (await this.ask({ op: 'listen', port })).port as number;
  }

  /** Heap in use in the child after full GCs. */
  async heapUsed(): Promise<number> {
    return (await this.ask({ op: 'heap' })).heapUsed as number;
  }

  /** The child's resident set size, as it reports it over IPC. */
  async rss(): Promise<number> {
    return (await this.ask({ op: 'rss' })).rss as number;
  }

  /** What the child counted (handler runs, log lines, the library's queues). */
  async stats(): Promise<ServerStats> {
    return (await this.ask({ op: 'stats' })).stats as ServerStats;
  }

  /** Resolves the child's hung handlers; returns how many there were. */
  async release(): Promise<number> {
    return (await this.ask({ op: 'release' })).released as number;
  }

  /**
   * Resident set size and its peak since the last {@link resetPeakRss}, read by
   * this process from /proc (so also while the child's event loop is busy);
   * undefined where there is no /proc.
   */
  procRss(): { rss: number; peak: number } | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
      const rss = kb('VmRSS');
      const peak = kb('VmHWM');
      return Number.isFinite(rss) && Number.isFinite(peak) ? { rss, peak } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Resets the peak RSS that /proc reports (Linux: `5` written to clear_refs); false when not possible. */
  resetPeakRss(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGKILLs the process (stopped or not) and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGKILL');
    await exited;
  }

  private async ask(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const seq = ++this.seq;
    const reply = this.next((m) => m.seq === seq);
    this.process.send({ ...request, seq });
    const m = await reply;
    if (m.error !== undefined) throw new Error(`server child: ${String(m.error)}`);
    return m;
  }

  private next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (!match(m)) return;
        cleanup();
        resolve(m);
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`server child exited (code ${code}, signal ${signal})`));
      };
      const cleanup = () => {
        this.process.off('message', onMessage);
        this.process.off('exit', onExit);
      };
      this.process.on('message', onMessage);
      this.process.once('exit', onExit);
    });
  }
}

/**
 * Samples a server child's RSS every `everyMs` over IPC (and from /proc, which
 * does not wait for the child's event loop), keeping the largest value.
 */
export class RssSampler {
  max = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private asking = false;

  constructor(
    private readonly child: ServerChild,
    everyMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const proc = this.child.procRss();
    if (proc) this.max = Math.max(this.max, proc.rss);
    if (this.asking || !this.child.alive) return;
    this.asking = true;
    this.child.rss().then(
      (rss) => {
        this.samples++;
        this.max = Math.max(this.max, rss);
        this.asking = false;
      },
      () => (this.asking = false),
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
