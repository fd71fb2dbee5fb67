import { setImmediate as realSetImmediate } from 'node:timers';

/** What {@link TestClock.install} takes. */
export interface TestClockOptions {
  /**
   * The wall-clock time the fake clock starts at (`Date.now()`).
   * @default the real time at install
   */
  now?: number | Date;
  /**
   * Most timers one `advance()` may run before it fails (a timer that keeps
   * rescheduling itself at no delay would loop forever).
   * @default 100000
   */
  loopLimit?: number;
}

interface FakeTimer {
  readonly id: number;
  at: number;
  readonly seq: number;
  readonly callback: (...args: unknown[]) => void;
  readonly args: unknown[];
  readonly delay: number;
  readonly repeat: boolean;
}

/** What a fake `setTimeout` returns: a Node Timeout's methods, and its id when used as a number. */
class FakeTimeout {
  constructor(
    private readonly clock: TestClock,
    readonly id: number,
  ) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    this.clock.refresh(this.id);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

interface Saved {
  setTimeout: typeof globalThis.setTimeout;
  clearTimeout: typeof globalThis.clearTimeout;
  setInterval: typeof globalThis.setInterval;
  clearInterval: typeof globalThis.clearInterval;
  Date: DateConstructor;
  performanceNow: PropertyDescriptor | undefined;
}

let installed: TestClock | undefined;

/**
 * The kit's own fake clock, for any test runner (jest, vitest, node:test):
 * it replaces `setTimeout`, `setInterval` (and their clear functions),
 * `Date` and `performance.now()` on the global object, which is all the
 * library's budgets, deadlines, backoff, breakers and dedupe windows read,
 * so that `advance(30_000)` runs a 30 s timeout in milliseconds, in order,
 * deterministically. Promises, `process.nextTick`, `queueMicrotask` and
 * `setImmediate` stay real: awaiting a call works as usual, and the in-memory
 * transport's hops (microtasks) are never held.
 *
 * With jest's or vitest's modern fake timers instead, leave `nextTick` and
 * `queueMicrotask` real (Nest writes replies on the next tick):
 * `jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] })`.
 *
 * @example
 * const clock = TestClock.install();
 * try {
 *   const call = client.request(GetReport, { id: 1 }, { timeout: 30_000 }).catch((e) => e);
 *   await clock.advance(30_000);
 *   expect(await call).toBeInstanceOf(MessagingTimeoutError);
 * } finally {
 *   clock.uninstall();
 * }
 */
export class TestClock {
  private nowMs: number;
  private readonly perfOrigin: number;
  private readonly timers = new Map<number, FakeTimer>();
  private nextId = 1;
  private seq = 0;
  private saved: Saved | undefined;

  private constructor(private readonly options: TestClockOptions) {
    const start = options.now ?? Date.now();
    this.nowMs = start instanceof Date ? start.getTime() : start;
    this.perfOrigin = performance.now() - this.nowMs;
  }

  /**
   * Installs a fake clock on the global object.
   * @throws Error when one is installed already (uninstall it first).
   */
  static install(options: TestClockOptions = {}): TestClock {
    if (installed) throw new Error('a TestClock is installed already: uninstall() it first');
    const clock = new TestClock(options);
    clock.patch();
    installed = clock;
    return clock;
  }

  /** The fake `Date.now()`. */
  now(): number {
    return this.nowMs;
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due, in order
   * of their due time; after each, lets promises, ticks and immediates settle
   * (a few loop turns), so that what a timer starts (a retry, a reply) happens
   * before the next one runs. Rethrows the first error a timer threw.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance() takes milliseconds >= 0, got ${String(ms)}`);
    const target = this.nowMs + ms;
    const limit = this.options.loopLimit ?? 100_000;
    let firstError: unknown;
    await settle();
    for (let ran = 0; ; ran++) {
      const timer = this.due(target);
      if (!timer) break;
      if (ran >= limit) throw new Error(`TestClock.advance(${ms}): more than ${limit} timers ran; a timer keeps rescheduling itself`);
      this.nowMs = Math.max(this.nowMs, timer.at);
      if (!timer.repeat) this.timers.delete(timer.id);
      else timer.at += Math.max(1, timer.delay);
      try {
        timer.callback(...timer.args);
      } catch (err) {
        firstError ??= err;
      }
      await settle();
    }
    this.nowMs = target;
    await settle();
    if (firstError !== undefined) throw firstError;
  }

  /** Puts the real clock back; timers still waiting are dropped. */
  uninstall(): void {
    const saved = this.saved;
    if (!saved) return;
    this.saved = undefined;
    this.timers.clear();
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = saved.setTimeout;
    g.clearTimeout = saved.clearTimeout;
    g.setInterval = saved.setInterval;
    g.clearInterval = saved.clearInterval;
    g.Date = saved.Date;
    if (saved.performanceNow) Object.defineProperty(performance, 'now', saved.performanceNow);
    else delete (performance as unknown as Record<string, unknown>).now;
    if (installed === this) installed = undefined;
  }

  /** @internal a fake Timeout's `refresh()` */
  refresh(id: number): void {
    const timer = this.timers.get(id);
    if (timer) timer.at = this.nowMs + timer.delay;
  }

  private due(target: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
    }
    return next;
  }

  private add(callback: unknown, delay: unknown, args: unknown[], repeat: boolean): FakeTimeout {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    const ms = Math.max(0, Number(delay) || 0);
    const id = this.nextId++;
    this.timers.set(id, {
      id,
      at: this.nowMs + ms,
      seq: this.seq++,
      callback: callback as (...a: unknown[]) => void,
      args,
      delay: ms,
      repeat,
    });
    return new FakeTimeout(this, id);
  }

  private clear(handle: unknown): void {
    if (handle === undefined || handle === null) return;
    this.timers.delete(Number(handle));
  }

  private patch(): void {
    const g = globalThis as unknown as Record<string, unknown>;
    this.saved = {
      setTimeout: globalThis.setTimeout,
      clearTimeout: globalThis.clearTimeout,
      setInterval: globalThis.setInterval,
      clearInterval: globalThis.clearInterval,
      Date: globalThis.Date,
      performanceNow: Object.getOwnPropertyDescriptor(performance, 'now'),
    };
    g.setTimeout = (callback: unknown, delay?: unknown, ...args: unknown[]) => this.add(callback, delay, args, false);
    g.setInterval = (callback: unknown, delay?: unknown, ...args: unknown[]) => this.add(callback, delay, args, true);
    g.clearTimeout = (handle: unknown) => this.clear(handle);
    g.clearInterval = (handle: unknown) => this.clear(handle);
    g.Date = fakeDate(this.saved.Date, () => this.nowMs);
    Object.defineProperty(performance, 'now', { value: () => this.perfOrigin + this.nowMs, configurable: true, writable: true });
  }
}

/** A `Date` whose `now()` and argument-less construction read the fake clock. */
function fakeDate(RealDate: DateConstructor, now: () => number): DateConstructor {
  function FakeDate(this: unknown, ...args: unknown[]): Date | string {
    if (!new.target) return new RealDate(now()).toString();
    return args.length === 0 ? new RealDate(now()) : new (RealDate as new (...a: unknown[]) => Date)(...args);
  }
  FakeDate.prototype = RealDate.prototype;
  FakeDate.now = now;
  FakeDate.parse = RealDate.parse;
  FakeDate.UTC = RealDate.UTC;
  return FakeDate as unknown as DateConstructor;
}

/** A few turns of the real event loop: promises, ticks and immediates started by a timer run before the next timer. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}
