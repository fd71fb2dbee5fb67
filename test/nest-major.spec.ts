import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ClientProxy } from '@nestjs/microservices';
import { nestMajor } from './support/nest';

/** Proves which Nest major this run loaded: `npm test` (jest.config.ts) must load 12, `npm run test:nest11` 11. */
describe('Nest major under test', () => {
  it(`is the one the jest config asked for (${process.env.MESSAGING_TEST_NEST_MAJOR})`, () => {
    const hasDispatchHook = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function';
    const expected = Number(process.env.MESSAGING_TEST_NEST_MAJOR);
    expect([11, 12]).toContain(expected);
    expect(hasDispatchHook ? 12 : 11).toBe(expected);
    expect(nestMajor).toBe(expected);
    // Nest 12 does not export ./package.json: read it beside the resolved entry.
    const pkg = join(dirname(require.resolve('@nestjs/microservices')), 'package.json');
    const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
    expect(Number(version.split('.')[0])).toBe(expected);
  });
});
