import { backoffDelay, checkPolicy, DEFAULT_CALL_POLICY, mergePolicy } from './call-policy';

describe('backoffDelay (full jitter)', () => {
  const policy = { baseDelay: 100, maxDelay: 1000 };

  it('grows the ceiling exponentially and caps it at maxDelay', () => {
    const top = () => 0.999999;
    expect(backoffDelay(1, policy, top)).toBe(99);
    expect(backoffDelay(2, policy, top)).toBe(199);
    expect(backoffDelay(3, policy, top)).toBe(399);
    expect(backoffDelay(4, policy, top)).toBe(799);
    expect(backoffDelay(5, policy, top)).toBe(999);
    expect(backoffDelay(60, policy, top)).toBe(999);
  });

  it('draws uniformly from [0, ceiling)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    const draws = Array.from({ length: 2000 }, () => backoffDelay(2, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(200);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(80);
    expect(mean).toBeLessThan(120);
  });
});

describe('policies', () => {
  it('lays call over client over module defaults', () => {
    const client = mergePolicy(DEFAULT_CALL_POLICY, { timeout: 1000, retry: { maxAttempts: 5 } });
    const call = mergePolicy(client, { idempotent: true, retry: { baseDelay: 7 } });
    expect(call).toMatchObject({ timeout: 1000, idempotent: true, maxAttempts: 5, baseDelay: 7, maxDelay: 2000 });
    expect(mergePolicy(client, { timeout: false }).timeout).toBe(false);
  });

  it('says what to do for each wrong field', () => {
    expect(checkPolicy("client 'users'", { timeout: -5 })).toEqual([
      "client 'users' has timeout -5: give a positive number of milliseconds (or false for none)",
    ]);
    expect(checkPolicy('defaults', { retry: { maxAttempts: 0, baseDelay: -1 }, attemptTimeout: Number.NaN })).toHaveLength(3);
    expect(checkPolicy('defaults', { timeout: false, attemptTimeout: 100, retry: { maxAttempts: 1 } })).toEqual([]);
  });
});
