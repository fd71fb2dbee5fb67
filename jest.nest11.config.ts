import type { Config } from 'jest';
import base from './jest.config';

/**
 * The same specs on Nest 11: every `@nestjs/*` require, including those made
 * inside node_modules, resolves to the copies the `compat/nest11` workspace
 * installs. Nest 11 is CommonJS already, so it is left out of the transform.
 */
process.env.MESSAGING_TEST_NEST_MAJOR = '11';

const config: Config = {
  ...base,
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@nestjs/(common|core|microservices|testing|platform-express|platform-fastify)(/.*)?$':
      '<rootDir>/compat/nest11/node_modules/@nestjs/$1$2',
  },
};

export default config;
