import type * as Library from '../src';

/**
 * Proves that the main entry loads neither class-validator nor class-transformer
 * until a DTO class contract is used: with both made unloadable, the library
 * loads and decodes Standard Schema contracts.
 */
describe('without class-validator and class-transformer', () => {
  afterEach(() => {
    jest.dontMock('class-validator');
    jest.dontMock('class-transformer');
  });

  it('loads the main entry and decodes a Standard Schema contract without touching them', async () => {
    const attempted: string[] = [];
    jest.resetModules();
    for (const name of ['class-validator', 'class-transformer']) {
      jest.doMock(name, () => {
        attempted.push(name);
        throw new Error(`Cannot find module '${name}'`);
      });
    }
    const lib = jest.requireActual<typeof Library>('../src');
    const { z } = jest.requireActual<typeof import('zod')>('zod');
    const Ping = lib.defineMessage({ pattern: { cmd: 'ping' }, versions: { 1: z.object({ n: z.number() }) }, response: z.number() });
    await expect(lib.decodePayload(Ping, { n: 1 }, 1)).resolves.toEqual({ n: 1 });
    await expect(lib.toDto(z.number(), 2, 1)).resolves.toBe(2);
    expect(attempted).toEqual([]);
  });
});
