import { Transport } from '@nestjs/microservices';
import { isMessagingErrorCode } from '../../errors/error-codes';
import { grpcFailureOf } from '../../errors/grpc-status';
import { MessagingConfigurationError } from '../../errors/messaging.errors';
import type { WireError } from '../../errors/wire-error';
import type { WireMetadata } from '../message-metadata';
import { MetadataKeys } from '../metadata-keys';
import type { Carrier } from './carrier';

/** What the library uses of a `@grpc/grpc-js` `Metadata` object. */
export interface GrpcMetadataLike {
  set(key: string, value: string | Buffer): void;
  getMap(): Record<string, string | Buffer>;
}

/** What the library uses of a gRPC server call (`ServerUnaryCall`, `ServerWritableStream`...). */
export interface GrpcServerCallLike {
  readonly metadata: GrpcMetadataLike;
  getDeadline(): Date | number;
}

/** What the library uses of a `@grpc/grpc-js` `Server`. */
export interface GrpcServerLike {
  bindAsync(address: string, credentials: unknown, callback: (error: Error | null, port: number) => void): void;
  tryShutdown(callback: (error?: Error) => void): void;
}

/** What the library uses of the `@grpc/grpc-js` package. @internal */
export interface GrpcPackage {
  Metadata: new () => GrpcMetadataLike;
  Server: new (options: Record<string, unknown>) => GrpcServerLike;
  ServerCredentials: { createInsecure(): unknown };
}

let grpcPackage: GrpcPackage | undefined;

/**
 * `@grpc/grpc-js`, loaded when first needed (never by the main entry): the
 * copy the application installed for Nest, whose `Metadata` class its
 * clients recognise.
 * @throws MessagingConfigurationError when it is not installed.
 * @internal
 */
export function loadGrpc(): GrpcPackage {
  if (grpcPackage) return grpcPackage;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional package, loaded when first needed
    grpcPackage = require('@grpc/grpc-js') as GrpcPackage;
    return grpcPackage;
  } catch {
    throw new MessagingConfigurationError('gRPC needs the packages Nest loads for it: npm install @grpc/grpc-js @grpc/proto-loader');
  }
}

/** Trailing metadata key of the library's structured error (JSON, UTF-8; `-bin`: gRPC sends it base64-encoded). See {@link readErrorTrailer}. */
export const GRPC_ERROR_TRAILER = 'msg-error-bin';

/** Longest error JSON put in the trailers, in bytes; a longer one loses its `details` (peers limit metadata to 8 KiB by default). */
const MAX_ERROR_TRAILER = 4096;

const BIN = '-bin';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The metadata map as gRPC metadata: the same keys, lower case. A value that
 * is not printable ASCII (an application value such as `Zürich`), which gRPC
 * does not allow in a text entry, travels as UTF-8 bytes under the key plus
 * `-bin`. `msg-timeout-ms` is left out: the call's native deadline carries the budget.
 * @internal
 */
export function toGrpcMetadata(wire: WireMetadata): GrpcMetadataLike {
  const metadata = new (loadGrpc().Metadata)();
  for (const key in wire) {
    if (key === MetadataKeys.timeoutMs) continue;
    const value = wire[key]!;
    if (PRINTABLE_ASCII.test(value)) metadata.set(key, value);
    else metadata.set(key + BIN, Buffer.from(value, 'utf8'));
  }
  return metadata;
}

/**
 * gRPC metadata as the metadata map: text entries as they are, a `-bin`
 * entry as the UTF-8 text of its key without `-bin` (unless a text entry has it).
 * @internal
 */
export function fromGrpcMetadata(metadata: unknown): Record<string, string> | undefined {
  const map = (metadata as Partial<GrpcMetadataLike> | null | undefined)?.getMap?.();
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (typeof value === 'string') out[key] = value;
  }
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (!key.endsWith(BIN) || key === GRPC_ERROR_TRAILER || !Buffer.isBuffer(value)) continue;
    const base = key.slice(0, -BIN.length);
    if (out[base] === undefined) out[base] = value.toString('utf8');
  }
  return out;
}

/**
 * gRPC: the metadata rides in the call's gRPC metadata (see {@link toGrpcMetadata}),
 * the budget in its native deadline. The server reads the map from the call
 * and turns what is left of the call's deadline (`getDeadline()`, set by any
 * gRPC client) into `msg-timeout-ms`, so that the inbound pipeline's deadline
 * is the call's.
 * @internal
 */
export const grpcCarrier: Carrier = {
  transport: Transport.GRPC,
  system: 'grpc',
  wrap: (data, metadata) => ({ data, metadata: toGrpcMetadata(metadata) }),
  // gRPC clients have no serializer: the payload goes to the stub as it is.
  serialize: (packet, inner, options) => (inner ? inner.serialize(packet, options) : packet),
  read(context, packetField) {
    const call = packetField as Partial<GrpcServerCallLike> | undefined;
    const map = fromGrpcMetadata(call?.metadata ?? context);
    const deadline = call?.getDeadline?.();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    if (typeof at !== 'number' || !Number.isFinite(at)) return map;
    const out = map ?? {};
    out[MetadataKeys.timeoutMs] = String(Math.max(0, Math.floor(at - Date.now())));
    return out;
  },
};

/** Whether `value` looks like gRPC metadata (a handler's context on a gRPC server). @internal */
export function isGrpcMetadata(value: unknown): boolean {
  return typeof (value as Partial<GrpcMetadataLike> | null | undefined)?.getMap === 'function';
}

/**
 * Trailing metadata that carries the library's structured error (and the
 * correlation id as a text entry, for peers that only log text metadata).
 * @internal
 */
export function errorTrailers(error: WireError): GrpcMetadataLike {
  const trailers = new (loadGrpc().Metadata)();
  let json = JSON.stringify(error);
  if (Buffer.byteLength(json) > MAX_ERROR_TRAILER) json = JSON.stringify({ ...error, details: undefined });
  trailers.set(GRPC_ERROR_TRAILER, Buffer.from(json, 'utf8'));
  if (error.correlationId !== undefined) trailers.set(MetadataKeys.correlationId, error.correlationId);
  return trailers;
}

/**
 * The library's structured error in a gRPC status's trailing metadata (the
 * `metadata` of a `@grpc/grpc-js` ServiceError), if a library server sent
 * one: `{ code, message, details?, retryable, pattern, correlationId }`.
 * Exported from `nestjs-messaging/grpc` as `readGrpcErrorTrailer`, for plain gRPC clients.
 * @example
 * client.getUser(req, (err) => { if (err) console.log(readGrpcErrorTrailer(err.metadata)?.details); });
 */
export function readErrorTrailer(metadata: unknown): WireError | undefined {
  const map = (metadata as Partial<GrpcMetadataLike> | null | undefined)?.getMap?.();
  const raw = map?.[GRPC_ERROR_TRAILER];
  if (!Buffer.isBuffer(raw) || raw.length > MAX_ERROR_TRAILER * 2) return undefined;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Partial<WireError> | null;
    if (!parsed || !isMessagingErrorCode(parsed.code) || typeof parsed.message !== 'string') return undefined;
    return { ...parsed, retryable: parsed.retryable === true } as WireError;
  } catch {
    return undefined;
  }
}

/** A failure as a gRPC server answers it: the status code, its message, the trailing metadata. @internal */
export interface GrpcStatusReply {
  readonly code: number;
  readonly details: string;
  readonly metadata?: GrpcMetadataLike;
}

/**
 * What a gRPC handler fails with, for `@grpc/grpc-js` to send: the status of
 * `grpcFailureOf` (the library's wire error by its code, Nest's generic
 * errors by meaning), with the library's structured error in the trailing
 * metadata; a status the handler built itself (a plain object with a numeric
 * `code`) is left as it is.
 * @internal
 */
export function grpcStatusReply(failure: unknown): GrpcStatusReply | object {
  if (!(failure instanceof Error) && failure !== null && typeof failure === 'object' && Number.isInteger((failure as { code?: unknown }).code)) {
    return failure;
  }
  const status = grpcFailureOf(failure);
  return status.error ? { code: status.code, details: status.details, metadata: errorTrailers(status.error) } : { code: status.code, details: status.details };
}
