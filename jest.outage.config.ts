import type { Config } from 'jest';
import base from './jest.config';

/**
 * The broker-outage suites (test/outage): they stop and restart real brokers,
 * so they run alone, in band, after the other suites (`npm run test:outage`).
 */
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/outage/**/*.outage.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180_000,
};

export default config;
