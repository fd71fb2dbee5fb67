import type { Config } from 'jest';

/**
 * Runs every spec on Nest 12 (the root devDependencies). Nest 12 is ESM only, so
 * @swc/jest compiles it (and the few ESM dependencies of @nestjs/common) to
 * CommonJS along with our TypeScript. `jest.nest11.config.ts` runs the same
 * specs on Nest 11.
 */
const esmPackages = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  'load-esm',
  '@tokenizer',
];

// Read by test/nest-major.spec.ts, which proves the run loaded this major (workers inherit it).
process.env.MESSAGING_TEST_NEST_MAJOR = '12';

const config: Config = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/examples/**/*.spec.ts'],
  // they stop brokers: run alone, by jest.outage.config.ts
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/outage/'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [
    `/node_modules/(?!(${esmPackages.join('|')})/)`,
    '/compat/nest11/node_modules/',
  ],
  moduleNameMapper: {
    '^nestjs-messaging$': '<rootDir>/src/index.ts',
    '^nestjs-messaging/opentelemetry$': '<rootDir>/src/opentelemetry/index.ts',
    '^nestjs-messaging/terminus$': '<rootDir>/src/terminus/index.ts',
    '^nestjs-messaging/asyncapi$': '<rootDir>/src/asyncapi/index.ts',
    '^nestjs-messaging/grpc$': '<rootDir>/src/grpc/index.ts',
    '^nestjs-messaging/testing$': '<rootDir>/src/testing/index.ts',
    '^nestjs-messaging/extend$': '<rootDir>/src/extend/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 20_000,
};

export default config;
