import type { AsyncApiDocument, AsyncApiMessage, AsyncApiReference, ChannelExtension, JsonSchema } from '../asyncapi.types';

/** What a set of documents says about one pattern. @internal */
export interface PatternModel {
  readonly route: string;
  readonly kind: 'request' | 'event';
  /** The payload schema of each version the documents describe (resolved, no `$ref` left but cycles). */
  readonly payloads: Map<number, JsonSchema>;
  /** Versions some handler accepts. */
  readonly accepted: Set<number>;
  /** Whether some handler receives the pattern. */
  received: boolean;
  /** version -> the clients that send it. */
  readonly sent: Map<number, Set<string>>;
  /** The version each version is upcast to. */
  readonly upcastTo: Map<number, number>;
  /** The response schema; null when a request names none. */
  response?: JsonSchema | null;
}

/**
 * Reads AsyncAPI documents made by `generateAsyncApi` (merged: the documents
 * of several services describe one system) into a model per pattern route.
 * @throws Error when a document is not one the generator made.
 * @internal
 */
export function readDocuments(documents: readonly AsyncApiDocument[]): Map<string, PatternModel> {
  const patterns = new Map<string, PatternModel>();
  for (const doc of documents) {
    if (doc === null || typeof doc !== 'object' || typeof doc.asyncapi !== 'string' || !doc.asyncapi.startsWith('3.')) {
      throw new Error('not an AsyncAPI 3 document: give documents made by `nestjs-messaging asyncapi` or generateAsyncApi()');
    }
    const resolve = resolver(doc);
    const channelIds = new Map<string, PatternModel>();
    for (const [id, channel] of Object.entries(doc.channels ?? {})) {
      const ext = channel['x-nestjs-messaging'] as ChannelExtension | undefined;
      if (!ext || ext.kind === 'reply') continue;
      let model = patterns.get(ext.route);
      if (!model) {
        model = { route: ext.route, kind: ext.kind, payloads: new Map(), accepted: new Set(), received: false, sent: new Map(), upcastTo: new Map() };
        patterns.set(ext.route, model);
      }
      channelIds.set(id, model);
      for (const ref of Object.values(channel.messages ?? {})) {
        const message = resolve(ref.$ref) as AsyncApiMessage | undefined;
        const version = message?.['x-nestjs-messaging']?.version;
        if (version === undefined || !message) continue;
        if (!model.payloads.has(version)) model.payloads.set(version, message.payload ? (inline(message.payload, resolve) as JsonSchema) : {});
        const next = message['x-nestjs-messaging']?.upcastTo;
        if (next !== undefined) model.upcastTo.set(version, next);
      }
    }
    for (const operation of Object.values(doc.operations ?? {})) {
      const channelId = operation.channel.$ref.replace(/^#\/channels\//, '');
      const model = channelIds.get(channelId);
      if (!model) continue;
      const versions = (operation.messages ?? [])
        .map((ref) => (resolve(ref.$ref) as AsyncApiMessage | undefined)?.['x-nestjs-messaging']?.version)
        .filter((v): v is number => v !== undefined);
      if (operation.action === 'receive') {
        model.received = true;
        for (const v of versions) model.accepted.add(v);
        if (model.kind === 'request' && model.response === undefined) model.response = responseOf(operation.reply?.messages, resolve);
      } else {
        const client = operation['x-nestjs-messaging']?.client ?? '(unnamed client)';
        for (const v of versions) {
          if (!model.sent.has(v)) model.sent.set(v, new Set());
          model.sent.get(v)!.add(client);
        }
      }
    }
  }
  return patterns;
}

type Resolve = (ref: string) => unknown;

function responseOf(messages: readonly AsyncApiReference[] | undefined, resolve: Resolve): JsonSchema | null {
  for (const ref of messages ?? []) {
    const message = resolve(ref.$ref) as AsyncApiMessage | undefined;
    if (message?.['x-nestjs-messaging']?.role === 'response') return message.payload ? (inline(message.payload, resolve) as JsonSchema) : null;
  }
  return null;
}

function resolver(doc: AsyncApiDocument): Resolve {
  return (ref) => {
    if (!ref.startsWith('#/')) return undefined;
    let node: unknown = doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
      if (node !== null && typeof node === 'object' && '$ref' in node && typeof node.$ref === 'string' && Object.keys(node).length === 1) {
        node = resolve(node.$ref, doc);
      }
    }
    return node;
  };
}

function resolve(ref: string, doc: AsyncApiDocument): unknown {
  return resolver(doc)(ref);
}

/** A schema with its `$ref`s replaced by what they point at; a ref inside itself stays a ref. */
function inline(schema: unknown, resolveRef: Resolve, expanding: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, resolveRef, expanding));
  if (schema === null || typeof schema !== 'object') return schema;
  const { $ref, ...rest } = schema as { $ref?: unknown } & Record<string, unknown>;
  const own = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, inline(v, resolveRef, expanding)]));
  if (typeof $ref !== 'string') return own;
  if (expanding.has($ref)) return { $ref, ...own };
  const target = resolveRef($ref);
  if (target === undefined) return { $ref, ...own };
  return { ...(inline(target, resolveRef, new Set([...expanding, $ref])) as object), ...own };
}
