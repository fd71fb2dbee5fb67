import { isEmail } from 'class-validator';
import { isSimpleEmail } from './fast-accepts';

/**
 * The plan's fast accept for `@IsEmail()` must never accept what class-validator's
 * isEmail refuses: random strings built around the subset's edges (characters
 * just outside it, lengths at the limits) are checked against isEmail itself.
 */
describe('isSimpleEmail', () => {
  let state = 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (s: string) => s[Math.floor(next() * s.length)]!;
  // Mostly characters of the subset, sometimes one just outside it.
  const LOCAL = ['abcXYZ019_+-', '.."!#$%&\'*/=?^`{|}~ü@ '];
  const DOMAIN = ['abcXYZ019-', '._ü[]: '];
  const TLD = ['abcdefXYZ', '019-ü.'];
  const part = ([usual, rare]: string[], max: number) =>
    Array.from({ length: 1 + Math.floor(next() * max) }, () => pick(next() < 0.03 ? rare! : usual!)).join('');

  it('accepts only addresses isEmail accepts (50,000 random near-misses)', () => {
    let accepted = 0;
    for (let i = 0; i < 50_000; i++) {
      const local = next() < 0.1 ? 'a'.repeat(60 + Math.floor(next() * 8)) : part(LOCAL, 12);
      const labels = Array.from({ length: 1 + Math.floor(next() * 3) }, () => (next() < 0.05 ? 'b'.repeat(60 + Math.floor(next() * 8)) : part(DOMAIN, 10)));
      const tld = part(TLD, 4);
      const email = `${local}@${labels.join('.')}.${tld}`;
      if (isSimpleEmail(email)) {
        accepted++;
        expect([email, isEmail(email)]).toEqual([email, true]);
      }
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('leaves everything else to isEmail', () => {
    for (const s of ['user@localhost', 'üser@example.com', '"q"@example.com', 'a@[127.0.0.1]', 'a@b.c', `${'a'.repeat(65)}@example.com`, 42, null]) {
      expect(isSimpleEmail(s)).toBe(false);
    }
    expect(isSimpleEmail(`${'a'.repeat(64)}@example.com`)).toBe(true);
  });
});
