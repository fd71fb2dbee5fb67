import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A server process of the fault suite (support/server-process.ts). */
export class ServerChild {
  readonly process: ChildProcess;
  private readonly ready: Promise<void>;

  constructor() {
    this.process = fork(join(__dirname, 'server-process.ts'), [], {
      execArgv: ['-r', 'ts-node/register', '--expose-gc'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_SWC: 'true', TS_NODE_PROJECT: join(__dirname, '../../../tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = this.next((m) => m.ready === true).then(() => undefined);
  }

  /** Resolves once the process has loaded (and is idle, waiting for `listen`). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Waits for the process to load, then makes it listen (port 0: any) and returns the port. */
  async listen(port = 0): Promise<number> {
    await this.ready;
    const reply = this.next((m) => m.port !== undefined || m.error !== undefined);
    this.process.send({ listen: port });
    const m = await reply;
    if (m.error) throw new Error(`server child could not listen: ${String(m.error)}`);
    return m.port as number;
  }

  /** Heap in use in the child after a GC. */
  async heapUsed(): Promise<number> {
    const reply = this.next((m) => m.heapUsed !== undefined);
    this.process.send({ heap: true });
    return (await reply).heapUsed as number;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGKILLs the process and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGKILL');
    await exited;
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
