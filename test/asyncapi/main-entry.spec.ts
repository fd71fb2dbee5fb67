import type * as Library from '../../src';
import { nestMajor } from '../support/nest';

/**
 * The main entry never loads what the asyncapi subpath needs: with the
 * converters and the YAML package made unloadable, the library loads and
 * builds a module with a contract declared on a client.
 */
describe(`the main entry without the asyncapi subpath's packages (Nest ${nestMajor})`, () => {
  const packages = ['class-validator-jsonschema', 'yaml', '@valibot/to-json-schema', '@asyncapi/parser'];
  afterEach(() => packages.forEach((p) => jest.dontMock(p)));

  it('never requires them', () => {
    let attempted = 0;
    jest.resetModules();
    for (const name of packages) {
      jest.doMock(name, () => {
        attempted++;
        throw new Error(`Cannot find module '${name}'`);
      });
    }
    const lib = jest.requireActual<typeof Library>('../../src');
    const { Transport } = jest.requireActual<typeof import('@nestjs/microservices')>('@nestjs/microservices');
    const Ping = lib.defineMessage({ pattern: { cmd: 'ping' }, versions: { 1: class PingV1 {} } });
    const module = lib.MessagingModule.forRoot({ clients: [{ name: 'c', transport: Transport.TCP, contracts: [Ping] }] });
    expect(module.module).toBe(lib.MessagingModule);
    expect(attempted).toBe(0);
  });
});
