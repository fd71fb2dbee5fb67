import type { Config } from 'jest';
import base from './jest.config';

/**
 * The contract specs (the differential suite, the plan's unit specs) on
 * class-validator 0.14: every `class-validator` require, the library's lazy one
 * included, resolves to the copy the `class-validator-0.14` alias installs
 * (`npm:class-validator@^0.14`). Run by `npm run test:contracts`.
 */
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/contracts/**/*.spec.ts', '<rootDir>/src/contract/**/*.spec.ts'],
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^class-validator$': '<rootDir>/node_modules/class-validator-0.14',
    '^class-validator/(.*)$': '<rootDir>/node_modules/class-validator-0.14/$1',
  },
};

export default config;
