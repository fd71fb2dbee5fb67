import type * as Library from '../src';
import type * as Extend from '../src/extend';

/**
 * Proves that the main entry (and `nestjs-messaging/extend`) loads neither class-validator nor class-transformer
 * until a DTO class contract is used, nor cockatiel until a circuit breaker is
 * built: with them made unloadable, the library loads, decodes Standard Schema
 * contracts and runs a client without a breaker.
 */
describe('without class-validator and class-transformer', () => {
  afterEach(() => {
    jest.dontMock('class-validator');
    jest.dontMock('class-transformer');
    jest.dontMock('cockatiel');
  });

  it('loads the main entry and decodes a Standard Schema contract without touching them', async () => {
    const attempted: string[] = [];
    jest.resetModules();
    for (const name of ['class-validator', 'class-transformer', 'cockatiel']) {
      jest.doMock(name, () => {
        attempted.push(name);
        throw new Error(`Cannot find module '${name}'`);
      });
    }
    const lib = jest.requireActual<typeof Library>('../src');
    const extend = jest.requireActual<typeof Extend>('../src/extend');
    const { z } = jest.requireActual<typeof import('zod')>('zod');
    const Ping = lib.defineMessage({ pattern: { cmd: 'ping' }, versions: { 1: z.object({ n: z.number() }) }, response: z.number() });
    await expect(extend.decodePayload(Ping, { n: 1 }, 1)).resolves.toEqual({ n: 1 });
    await expect(extend.toDto(z.number(), 2, 1)).resolves.toBe(2);
    // A client with a bulkhead and a retry budget, but no breaker, needs no cockatiel.
    const proxy = { send: () => undefined, emit: () => undefined, close: async () => undefined } as never;
    const client = lib.MessagingClient.wrap(proxy, 'no-breaker', undefined, { resilience: { bulkhead: { maxConcurrent: 1 }, retryBudget: {} } });
    expect(client.resilience?.snapshot().circuit).toBe('none');
    expect(attempted).toEqual([]);
  });
});
