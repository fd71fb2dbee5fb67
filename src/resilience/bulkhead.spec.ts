import { Bulkhead } from './bulkhead';
import { RetryBudget } from './retry-budget';

describe('Bulkhead', () => {
  it('runs up to maxConcurrent at once, queues up to maxQueued in order, refuses beyond', async () => {
    const b = new Bulkhead(2, 2);
    const started: number[] = [];
    const tickets = [1, 2, 3, 4].map((n) => b.enter(() => started.push(n)));
    expect(started).toEqual([1, 2]);
    expect(b.enter(() => started.push(5))).toBeUndefined();
    expect([b.inFlight, b.queued]).toEqual([2, 2]);
    tickets[0]!.leave();
    tickets[0]!.leave(); // twice is harmless
    await Promise.resolve();
    expect(started).toEqual([1, 2, 3]);
    expect([b.inFlight, b.queued]).toEqual([2, 1]);
  });

  it('drops a queued entry at once when it leaves, so it never holds a place or starts', async () => {
    const b = new Bulkhead(1, 1);
    const started: string[] = [];
    const first = b.enter(() => started.push('a'))!;
    const queued = b.enter(() => started.push('b'))!;
    queued.leave();
    expect(b.queued).toBe(0);
    const next = b.enter(() => started.push('c'));
    expect(next).toBeDefined();
    first.leave();
    await Promise.resolve();
    expect(started).toEqual(['a', 'c']);
    expect(b.inFlight).toBe(1);
  });

  it('does not start a dequeued entry that left before its microtask ran, and frees its slot', async () => {
    const b = new Bulkhead(1, 1);
    const started: string[] = [];
    const first = b.enter(() => started.push('a'))!;
    const second = b.enter(() => started.push('b'))!;
    first.leave();
    second.leave();
    await Promise.resolve();
    expect(started).toEqual(['a']);
    expect([b.inFlight, b.queued]).toEqual([0, 0]);
  });
});

describe('RetryBudget', () => {
  it('stops retries once failures outweigh successes by maxTokens / 2, and recovers with successes', () => {
    const budget = new RetryBudget(10, 0.5);
    for (let i = 0; i < 4; i++) budget.onFailure();
    expect(budget.canRetry()).toBe(true); // 6 > 5
    budget.onFailure();
    expect(budget.canRetry()).toBe(false); // 5 is not > 5
    budget.onSuccess();
    expect(budget.canRetry()).toBe(true); // 5.5
    for (let i = 0; i < 100; i++) budget.onSuccess();
    expect(budget.available).toBe(10);
    for (let i = 0; i < 100; i++) budget.onFailure();
    expect(budget.available).toBe(0);
  });
});
