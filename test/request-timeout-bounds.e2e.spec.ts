import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagingHttpModule, timeLeft } from '../src';
import { nestMajor } from './support/nest';

/**
 * Issue 11, item 8: `x-request-timeout` above `max` gets `max` however long
 * it is, also when a `default` (shorter than max) is configured: the report
 * was 11 digits getting the default (10 s) instead of the max (30 s).
 * test/http-edge.e2e.spec.ts covers the same boundaries without a default.
 */
@Controller()
class BudgetController {
  @Get('budget')
  budget(): { left: number | null } {
    return { left: timeLeft() ?? null };
  }
}

describe(`x-request-timeout with max 30 s and default 10 s (Nest ${nestMajor})`, () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    @Module({ imports: [MessagingHttpModule.forRoot({ requestTimeout: { max: 30_000, default: 10_000 } })], controllers: [BudgetController] })
    class BudgetModule {}
    app = await NestFactory.create(BudgetModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app?.close());

  const left = async (headers: Record<string, string>) => ((await (await fetch(`${base}/budget`, { headers })).json()) as { left: number }).left;

  // The budget is read from the clock a few ms after the request began: the lower bounds leave room for a busy machine.
  it.each([
    ['max', '30000'],
    ['max + 1', '30001'],
    ['10 digits', '9999999999'],
    ['11 digits', '99999999999'],
    ['16 digits', '9999999999999999'],
  ])('%s (%s) gets max, not the default', async (_, value) => {
    const l = await left({ 'x-request-timeout': value });
    expect(l).toBeLessThanOrEqual(30_000);
    expect(l).toBeGreaterThan(20_000);
  });

  it('a value below max is kept', async () => {
    expect(await left({ 'x-request-timeout': '10' })).toBeLessThanOrEqual(10);
    const l = await left({ 'x-request-timeout': '25000' });
    expect(l).toBeLessThanOrEqual(25_000);
    expect(l).toBeGreaterThan(20_000);
  });

  it.each([['no header', {}], ['an invalid value', { 'x-request-timeout': 'abc' }], ['65 digits', { 'x-request-timeout': '9'.repeat(65) }]])(
    '%s gets the default',
    async (_, headers) => {
      const l = await left(headers);
      expect(l).toBeLessThanOrEqual(10_000);
      expect(l).toBeGreaterThan(5_000);
    },
  );
});
