import type { Config } from 'jest';
import base from './jest.config';

/**
 * The fault and abuse suite (`npm run test:faults`): killed servers, mass
 * timeouts, garbage on the port, hostile payloads, duplicate deliveries. Run in
 * band (the scenarios measure heap and load the machine), with `--expose-gc`
 * (see the npm script), on Nest 12. The summary table is printed by
 * test/faults/support/global-teardown.ts at the end of the run.
 */
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.faults.ts'],
  globalSetup: '<rootDir>/test/faults/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/support/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 1,
};

export default config;
