/*
 * Runs the repository's TypeScript (examples, bench) straight from source with
 * `node -r ./scripts/register.cjs file.ts`, after `npm ci` and nothing else:
 * - ts-node compiles .ts files on the fly (with swc, type checks are `npm run typecheck`'s job);
 * - `nestjs-messaging` (and its subpaths) resolve to src/, as the tsconfig `paths` say;
 * - with MESSAGING_NEST_MAJOR=11, every `@nestjs/*` require resolves to the Nest 11
 *   copies that the compat/nest11 workspace installs (Nest 12, the root's, otherwise).
 */
'use strict';
const path = require('node:path');
const Module = require('node:module');

const root = path.resolve(__dirname, '..');
require('ts-node').register({
  project: path.join(root, 'tsconfig.json'),
  transpileOnly: true,
  swc: true,
  compilerOptions: { module: 'commonjs', moduleResolution: 'node10' },
});

const nest11 = process.env.MESSAGING_NEST_MAJOR === '11';
const nest11Dir = path.join(root, 'compat', 'nest11', 'node_modules', '@nestjs');
const NEST = /^@nestjs\/(common|core|microservices|platform-express|platform-fastify|testing)(\/.*)?$/;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if (request === 'nestjs-messaging') request = path.join(root, 'src', 'index.ts');
  else if (request === 'nestjs-messaging/opentelemetry') request = path.join(root, 'src', 'opentelemetry', 'index.ts');
  else if (request === 'nestjs-messaging/asyncapi') request = path.join(root, 'src', 'asyncapi', 'index.ts');
  else if (request === 'nestjs-messaging/grpc') request = path.join(root, 'src', 'grpc', 'index.ts');
  else if (request === 'nestjs-messaging/testing') request = path.join(root, 'src', 'testing', 'index.ts');
  else if (request === 'nestjs-messaging/extend') request = path.join(root, 'src', 'extend', 'index.ts');
  else if (nest11) {
    const m = NEST.exec(request);
    if (m) request = path.join(nest11Dir, m[1]) + (m[2] ?? '');
  }
  return resolve.call(this, request, parent, isMain, options);
};
