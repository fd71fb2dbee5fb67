/*
 * nestjs-messaging/asyncapi: contracts as documents. JSON Schema per contract
 * version, the AsyncAPI 3.0 document of an application, and the
 * breaking-change check between two documents. Kept out of the main entry:
 * it loads class-validator-jsonschema, the schema libraries' converters and YAML.
 */
export { generateAsyncApi, type AsyncApiOptions } from './generate-asyncapi';
export { contractJsonSchemas, jsonSchemaOf, type ContractJsonSchemas } from './json-schema';
export { SchemaConversionError, type SchemaConversionSite } from './schema-conversion.error';
export { diffContracts } from './diff/contract-diff';
export { formatDiffReport } from './diff/diff-report';
export type { ContractChange, ContractChangeKind, ContractDiff } from './diff/contract-change';
export type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiReference,
  AsyncApiReply,
  AsyncApiServer,
  ChannelExtension,
  JsonSchema,
  MessageExtension,
  OperationExtension,
} from './asyncapi.types';
