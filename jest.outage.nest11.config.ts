import type { Config } from 'jest';
import nest11 from './jest.nest11.config';
import outage from './jest.outage.config';

/** The broker-outage suites on Nest 11 (`npm run test:outage:nest11`). */
const config: Config = { ...nest11, testMatch: outage.testMatch,
  testPathIgnorePatterns: outage.testPathIgnorePatterns, testTimeout: outage.testTimeout };

export default config;
