import { TestClock } from './test-clock';

describe('TestClock', () => {
  let clock: TestClock | undefined;
  afterEach(() => {
    clock?.uninstall();
    clock = undefined;
  });

  it('fakes Date and performance.now, and puts the real ones back', async () => {
    const realNow = performance.now;
    const RealDate = Date;
    clock = TestClock.install({ now: new Date('2030-01-01T00:00:00Z') });
    const perf = performance.now();
    expect(Date.now()).toBe(Date.UTC(2030, 0, 1));
    expect(new Date().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(new Date(0).getTime()).toBe(0);
    expect(new Date()).toBeInstanceOf(RealDate);
    expect(typeof (Date as unknown as () => string)()).toBe('string');
    await clock.advance(1500);
    expect(Date.now()).toBe(Date.UTC(2030, 0, 1) + 1500);
    expect(performance.now() - perf).toBe(1500);
    clock.uninstall();
    expect(Date).toBe(RealDate);
    expect(performance.now).toBe(realNow);
    expect(Math.abs(Date.now() - new RealDate().getTime())).toBeLessThan(1000);
  });

  it('runs timers in due order (ties in the order they were set), intervals repeatedly, cleared ones never', async () => {
    clock = TestClock.install();
    const ran: string[] = [];
    setTimeout(() => ran.push('b@200'), 200);
    setTimeout(() => ran.push('a@100'), 100);
    setTimeout(() => ran.push('c@200'), 200);
    const cleared = setTimeout(() => ran.push('never'), 50);
    clearTimeout(cleared);
    const tick = setInterval(() => ran.push(`tick@${Date.now() - start}`), 75);
    const start = Date.now();
    setTimeout((x: string) => ran.push(x), 10, 'arg');
    await clock.advance(99);
    expect(ran).toEqual(['arg', 'tick@75']);
    await clock.advance(101);
    clearInterval(tick);
    await clock.advance(1000);
    expect(ran).toEqual(['arg', 'tick@75', 'a@100', 'tick@150', 'b@200', 'c@200']);
    expect(clock.pending).toBe(0);
  });

  it('lets what a timer starts settle before the next one runs', async () => {
    clock = TestClock.install();
    const ran: string[] = [];
    setTimeout(async () => {
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      ran.push('first settled');
      setTimeout(() => ran.push('chained@150'), 50);
    }, 100);
    setTimeout(() => ran.push('second@120'), 120);
    await clock.advance(200);
    expect(ran).toEqual(['first settled', 'second@120', 'chained@150']);
  });

  it('gives Node-like handles (unref, refresh, a number) and rethrows what a timer threw', async () => {
    clock = TestClock.install();
    const handle = setTimeout(() => {
      throw new Error('timer failed');
    }, 10);
    expect(handle.unref()).toBe(handle);
    expect(handle.hasRef()).toBe(true);
    expect(typeof +handle).toBe('number');
    await clock.advance(5);
    handle.refresh();
    await clock.advance(9);
    expect(clock.pending).toBe(1);
    await expect(clock.advance(1)).rejects.toThrow('timer failed');
  });

  it('refuses a second install and stops a timer that keeps rescheduling itself', async () => {
    clock = TestClock.install({ loopLimit: 50 });
    expect(() => TestClock.install()).toThrow(/installed already/);
    const again = () => void setTimeout(again, 0);
    again();
    await expect(clock.advance(1)).rejects.toThrow(/more than 50 timers ran/);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });
});
