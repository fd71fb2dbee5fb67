import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as Library from '../src';

/**
 * Proves that the library's main entry never loads `nestjs-messaging/testing`:
 * with every module of src/testing made unloadable, the main entry loads and
 * its exports are there. (The dependency-cruiser rule `testing-only-from-its-entry`
 * forbids the import statically too.)
 */
describe('the main entry without the test kit', () => {
  it('loads without touching src/testing', () => {
    const dir = join(__dirname, '..', 'src', 'testing');
    const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(modules).toContain('messaging-test-harness.ts');
    let attempted = 0;
    jest.resetModules();
    for (const file of modules) {
      jest.doMock(join(dir, file), () => {
        attempted++;
        throw new Error(`the main entry loaded src/testing/${file}`);
      });
    }
    try {
      const lib = jest.requireActual<typeof Library>('../src');
      expect(typeof lib.MessagingClients.prototype.useProxy).toBe('function');
      expect(typeof lib.messagingMicroservice).toBe('function');
      expect(attempted).toBe(0);
    } finally {
      for (const file of modules) jest.dontMock(join(dir, file));
    }
  });
});
