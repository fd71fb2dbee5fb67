/*
 * The parts of an AsyncAPI 3.0 document (https://www.asyncapi.com/docs/reference/specification/v3.0.0)
 * that the generator writes and the contract diff reads. Extensions (`x-...`)
 * carry what AsyncAPI has no field for: the Nest pattern, the contract's
 * versions and upcasters, the handler and client names.
 */

/** A JSON Schema (draft-07, as AsyncAPI's default schema format reads it). */
export type JsonSchema = { [keyword: string]: unknown };

/** A `$ref` to another part of the document. */
export interface AsyncApiReference {
  /** A local JSON pointer, e.g. `#/components/messages/cmd.get_user.v2`. */
  readonly $ref: string;
}

/** What the library says about a channel (`x-nestjs-messaging` of a channel). */
export interface ChannelExtension {
  /** The Nest pattern, as the handler declares it (`{ cmd: 'get_user' }` or `'user_created'`). */
  readonly pattern: unknown;
  /** Nest's route of the pattern: its keys sorted, as NATS, MQTT and Redis see it. */
  readonly route: string;
  /** `'request'` (a reply is expected), `'event'`, or `'reply'` for the reply channel of a request. */
  readonly kind: 'request' | 'event' | 'reply';
  /** The contract's versions, ascending (absent for a pattern without a contract). */
  readonly versions?: readonly number[];
  /** The contract's current version. */
  readonly current?: number;
  /** The version assumed for a message that carries none (a plain Nest client). */
  readonly assumedVersion?: number;
}

/** What the library says about a message (`x-nestjs-messaging` of a message). */
export interface MessageExtension {
  /** `'payload'` (a request or event version), `'response'` or `'error'`. */
  readonly role: 'payload' | 'response' | 'error';
  /** The payload version, for `'payload'` messages of a contract. */
  readonly version?: number;
  /** The version this one is upcast to by the contract's upcaster. */
  readonly upcastTo?: number;
  /** The schema library of a Standard Schema version (`'zod'`, `'valibot'`), or `'class-validator'`. */
  readonly schema?: string;
}

/** What the library says about an operation (`x-nestjs-messaging` of an operation). */
export interface OperationExtension {
  /** The handler (`Class.method`), for a `receive` operation. */
  readonly handler?: string;
  /** Whether the handler is the library's (`@MessageHandler`/`@EventHandler`) or a plain Nest one. */
  readonly decorator?: 'library' | 'nest';
  /** The client's name, for a `send` operation. */
  readonly client?: string;
  /** The versions the operation's messages carry. */
  readonly versions?: readonly number[];
}

/** An AsyncAPI message object. */
export interface AsyncApiMessage {
  name?: string;
  title?: string;
  summary?: string;
  description?: string;
  contentType?: string;
  headers?: JsonSchema | AsyncApiReference;
  payload?: JsonSchema | AsyncApiReference;
  bindings?: Record<string, JsonSchema>;
  'x-nestjs-messaging'?: MessageExtension;
}

/** An AsyncAPI channel object. */
export interface AsyncApiChannel {
  address: string | null;
  title?: string;
  description?: string;
  servers?: AsyncApiReference[];
  messages: Record<string, AsyncApiReference>;
  bindings?: Record<string, JsonSchema>;
  'x-nestjs-messaging'?: ChannelExtension;
}

/** An AsyncAPI operation's reply. */
export interface AsyncApiReply {
  channel?: AsyncApiReference;
  messages?: AsyncApiReference[];
}

/** An AsyncAPI operation object. */
export interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: AsyncApiReference;
  title?: string;
  summary?: string;
  description?: string;
  messages?: AsyncApiReference[];
  reply?: AsyncApiReply;
  bindings?: Record<string, JsonSchema>;
  'x-nestjs-messaging'?: OperationExtension;
}

/** An AsyncAPI server object. */
export interface AsyncApiServer {
  host: string;
  protocol: string;
  protocolVersion?: string;
  pathname?: string;
  title?: string;
  description?: string;
  bindings?: Record<string, JsonSchema>;
}

/** An AsyncAPI 3.0 document, as {@link generateAsyncApi} makes it. */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description?: string };
  defaultContentType: string;
  servers?: Record<string, AsyncApiServer>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: {
    schemas: Record<string, JsonSchema>;
    messages: Record<string, AsyncApiMessage>;
  };
}
