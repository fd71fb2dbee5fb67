/**
 * The layering of src/ (`npm run lint` runs it): each folder is a layer and may
 * import only the layers below it in LAYERS, never one above. `src/index.ts`
 * and the subpath entries sit on top. A wrong-way import fails the lint.
 */
const LAYERS = [
  'errors', // error classes and codes: the bottom
  'wire', // the metadata format, envelopes, one file per transport that writes and reads it
  'context', // the one message context, in-flight tracking, the correlation-aware logger
  'contract', // message contracts and their decoding
  'instrumentation', // the instrumentation interface
  'resilience', // client policies: breaker, bulkhead, retry budget
  'client', // MessagingClient and the call's execution
  'handler', // handler decorators, options, error filter, dedupe
  'server', // the server strategies and the inbound pipeline
  'module', // MessagingModule and its clients
  'http', // the HTTP entry
  'extend', // subpath (nestjs-messaging/extend): the building blocks under the main entry, re-exported
  'opentelemetry', // optional subpath
  'terminus', // optional subpath
  'asyncapi', // optional subpath: JSON Schema, the AsyncAPI document, the contract diff
  'cli', // the nestjs-messaging command (package.json bin)
  'grpc', // subpath: the gRPC API (client, server, handlers)
  'testing', // the test kit subpath (nestjs-messaging/testing): may import everything, nothing imports it
];

const above = (i) => LAYERS.slice(i + 1);

module.exports = {
  forbidden: [
    ...LAYERS.map((layer, i) => ({
      name: `layer-${layer}`,
      comment: `src/${layer}/ may import only ${LAYERS.slice(0, i).join(', ') || 'nothing of the library'}: the layers below it`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${above(i).join('|') || '$^'})/` },
    })),
    {
      name: 'no-circular',
      comment: 'modules of src/ must not depend on each other in a cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'testing-only-from-its-entry',
      comment: 'the test kit (nestjs-messaging/testing) is loaded only through its own entry: nothing else in src/ imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/testing/' },
      to: { path: '^src/testing/' },
    },
    {
      name: 'no-index-inside',
      comment: 'only the package entry imports src/index.ts',
      severity: 'error',
      from: { path: '^src/.+/' },
      to: { path: '^src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
