import type { AnyContract } from '../contract/message-contract';
import type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiReference,
  AsyncApiServer,
  JsonSchema,
} from './asyncapi.types';
import type { DiscoveredApp, DiscoveredHandler } from './discovery';
import { patternText } from './json-schema';
import { routeOf, safeName, slugOf, UniqueNames } from './pattern-names';
import { SchemaComponents } from './schema-components';
import { channelBindings, receiveBindings, serverObject, transportName, type TransportTarget } from './transport-servers';
import { ERROR_SCHEMA, HEADERS_SCHEMA, metadataHeadersSchema, versionHeadersSchema, wireErrorSchema } from './wire-schemas';

/** What the builder needs besides the application. @internal */
export interface BuildInput {
  readonly info: AsyncApiDocument['info'];
  /** This application's servers by id. */
  readonly servers: Readonly<Record<string, TransportTarget>>;
}

interface Sender {
  readonly client: string;
  readonly contract: AnyContract;
  readonly versions: readonly number[];
  readonly serverId?: string;
}

interface ChannelModel {
  readonly id: string;
  readonly pattern: unknown;
  readonly route: string;
  kind: 'request' | 'event';
  contract?: AnyContract;
  readonly handlers: DiscoveredHandler[];
  readonly senders: Sender[];
  readonly serverIds: Set<string>;
}

const MESSAGES = '#/components/messages/';

/**
 * Builds the AsyncAPI 3.0 document of a discovered application: a channel per
 * pattern (and a reply channel per request pattern), a message per contract
 * version with the metadata map as headers, a `receive` operation per handler
 * and a `send` operation per contract a client declares.
 * @throws SchemaConversionError when a contract's schema cannot be converted.
 * @internal
 */
export function buildDocument(app: DiscoveredApp, input: BuildInput): AsyncApiDocument {
  const components = new SchemaComponents();
  components.putOwn(HEADERS_SCHEMA, metadataHeadersSchema());
  components.putOwn(ERROR_SCHEMA, wireErrorSchema());
  const messages: Record<string, AsyncApiMessage> = {
    [ERROR_SCHEMA]: {
      name: ERROR_SCHEMA,
      title: 'Error reply',
      summary: 'What a failed request answers (the library wire error).',
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${ERROR_SCHEMA}` },
      'x-nestjs-messaging': { role: 'error' },
    },
  };

  const servers: Record<string, AsyncApiServer> = {};
  const ownServers = new Map<string, TransportTarget>();
  const serverIds = new UniqueNames();
  const byAddress = new Map<string, string>();
  const addServer = (preferred: string, target: TransportTarget, role: string): string | undefined => {
    const server = serverObject(target, role);
    if (!server) return undefined;
    const address = `${server.protocol} ${server.host}${server.pathname ?? ''}`;
    const existing = byAddress.get(address);
    if (existing) return existing;
    const id = serverIds.take(safeName(preferred));
    servers[id] = server;
    byAddress.set(address, id);
    return id;
  };
  for (const [name, target] of Object.entries(input.servers)) {
    const id = addServer(name, target, `This application: ${name}`);
    if (id) ownServers.set(id, target);
  }

  const channels = new Map<string, ChannelModel>();
  const channelIds = new UniqueNames();
  const channelOf = (pattern: unknown, kind: 'request' | 'event'): ChannelModel => {
    const route = routeOf(pattern);
    let channel = channels.get(route);
    if (!channel) {
      channel = { id: channelIds.take(slugOf(pattern)), pattern, route, kind, handlers: [], senders: [], serverIds: new Set() };
      channels.set(route, channel);
    }
    return channel;
  };
  for (const handler of app.handlers) {
    const channel = channelOf(handler.pattern, handler.kind);
    channel.handlers.push(handler);
    channel.contract ??= handler.contract;
    for (const [id, target] of ownServers) {
      if (handler.transport === undefined || handler.transport === target.transport) channel.serverIds.add(id);
    }
  }
  for (const client of app.clients) {
    const serverId = client.options ? addServer(client.name, client.options, `Peer of client '${client.name}'`) : undefined;
    for (const sent of client.sends) {
      const channel = channelOf(sent.contract.pattern, sent.contract.kind === 'message' ? 'request' : 'event');
      channel.senders.push({ client: client.name, contract: sent.contract, versions: sent.versions, serverId });
      channel.contract ??= sent.contract;
      if (serverId) channel.serverIds.add(serverId);
    }
  }

  const documentChannels: Record<string, AsyncApiChannel> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  const operationIds = new UniqueNames();
  for (const channel of channels.values()) {
    const channelServers = [...channel.serverIds].map((id) => ({ $ref: `#/servers/${id}` }));
    const versionKeys = addMessages(channel, components, messages);
    const bindings = Object.assign({}, ...[...channel.serverIds].map((id) => channelBindings(ownServers.get(id) ?? {})));
    documentChannels[channel.id] = {
      address: typeof channel.pattern === 'string' && !/[{}]/.test(channel.pattern) ? channel.pattern : null,
      title: patternText(channel.pattern),
      description: describeChannel(channel),
      ...(channelServers.length ? { servers: channelServers } : {}),
      messages: Object.fromEntries([...versionKeys].map(([key, id]) => [key, { $ref: MESSAGES + id }])),
      ...(Object.keys(bindings).length ? { bindings } : {}),
      'x-nestjs-messaging': {
        pattern: channel.pattern,
        route: channel.route,
        kind: channel.kind,
        ...(channel.contract
          ? { versions: channel.contract.supportedVersions, current: channel.contract.current, assumedVersion: channel.contract.assumedVersion }
          : {}),
      },
    };
    let reply: AsyncApiOperation['reply'];
    if (channel.kind === 'request') {
      const replyId = `${channel.id}.reply`;
      const responseId = addResponse(channel, components, messages);
      documentChannels[replyId] = {
        address: null,
        title: `Replies to ${patternText(channel.pattern)}`,
        description: "Replies to the request: on the same TCP connection, the request's NATS inbox or RabbitMQ replyTo queue, `<route>.reply` on Redis, `<route>/reply` on MQTT.",
        ...(channelServers.length ? { servers: channelServers } : {}),
        messages: { response: { $ref: MESSAGES + responseId }, error: { $ref: MESSAGES + ERROR_SCHEMA } },
        'x-nestjs-messaging': { pattern: channel.pattern, route: channel.route, kind: 'reply' },
      };
      reply = {
        channel: { $ref: `#/channels/${replyId}` },
        messages: [{ $ref: `#/channels/${replyId}/messages/response` }, { $ref: `#/channels/${replyId}/messages/error` }],
      };
    }
    const refs = (keys: Iterable<string>): AsyncApiReference[] => [...keys].map((key) => ({ $ref: `#/channels/${channel.id}/messages/${key}` }));
    for (const handler of channel.handlers) {
      const keys = handler.contract ? handler.contract.supportedVersions.map((v) => `v${v}`) : [...versionKeys.keys()];
      const opBindings = Object.assign({}, ...[...channel.serverIds].map((id) => receiveBindings(ownServers.get(id) ?? {})));
      operations[operationIds.take(`receive.${channel.id}`)] = {
        action: 'receive',
        channel: { $ref: `#/channels/${channel.id}` },
        summary: `${handler.name} handles ${patternText(channel.pattern)}${handler.transport === undefined ? '' : ` (${transportName(handler.transport)} only)`}.`,
        messages: refs(keys),
        ...(reply ? { reply } : {}),
        ...(Object.keys(opBindings).length ? { bindings: opBindings } : {}),
        'x-nestjs-messaging': {
          handler: handler.name,
          decorator: handler.decorator,
          ...(handler.contract ? { versions: handler.contract.supportedVersions } : {}),
        },
      };
    }
    for (const sender of channel.senders) {
      operations[operationIds.take(`send.${safeName(sender.client)}.${channel.id}`)] = {
        action: 'send',
        channel: { $ref: `#/channels/${channel.id}` },
        summary: `Client '${sender.client}' sends ${patternText(channel.pattern)} (version ${sender.versions.join(', ')}).`,
        messages: refs(sender.versions.map((v) => `v${v}`)),
        ...(reply ? { reply } : {}),
        'x-nestjs-messaging': { client: sender.client, versions: sender.versions },
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: input.info,
    defaultContentType: 'application/json',
    ...(Object.keys(servers).length ? { servers } : {}),
    channels: documentChannels,
    operations,
    components: { schemas: components.schemas, messages },
  };
}

/** Adds a channel's messages (one per version, or one unversioned); returns channel message key -> message id. */
function addMessages(channel: ChannelModel, components: SchemaComponents, messages: Record<string, AsyncApiMessage>): Map<string, string> {
  const keys = new Map<string, string>();
  const pattern = patternText(channel.pattern);
  const contracts = [channel.contract, ...channel.senders.map((s) => s.contract)].filter((c): c is AnyContract => c !== undefined);
  const versions = new Set<number>([...(channel.contract?.supportedVersions ?? []), ...channel.senders.flatMap((s) => s.versions)]);
  for (const version of [...versions].sort((a, b) => a - b)) {
    const contract = contracts.find((c) => c.versions[version] !== undefined)!;
    const schema = contract.versions[version]!;
    const id = `${channel.id}.v${version}`;
    const payload = components.put(schema, id, { pattern, version });
    const next = contract.supportedVersions[contract.supportedVersions.indexOf(version) + 1];
    messages[id] = {
      name: id,
      title: `${pattern} v${version}`,
      contentType: 'application/json',
      headers: versionHeadersSchema(version),
      payload,
      'x-nestjs-messaging': { role: 'payload', version, ...(next === undefined ? {} : { upcastTo: next }), schema: components.vendorOf(schema) },
    };
    keys.set(`v${version}`, id);
  }
  if (channel.handlers.some((h) => !h.contract) || keys.size === 0) {
    const id = channel.id;
    messages[id] = {
      name: id,
      title: pattern,
      summary: 'A payload no contract describes (a handler with a plain pattern).',
      contentType: 'application/json',
      headers: { $ref: `#/components/schemas/${HEADERS_SCHEMA}` },
      'x-nestjs-messaging': { role: 'payload' },
    };
    keys.set('unversioned', id);
  }
  return keys;
}

/** Adds the response message of a request channel; returns its id. */
function addResponse(channel: ChannelModel, components: SchemaComponents, messages: Record<string, AsyncApiMessage>): string {
  const id = `${channel.id}.response`;
  const response = channel.contract?.kind === 'message' ? channel.contract.response : undefined;
  const payload: JsonSchema | AsyncApiReference | undefined =
    response === undefined ? undefined : components.put(response, id, { pattern: patternText(channel.pattern), version: 'response' });
  messages[id] = {
    name: id,
    title: `Reply to ${patternText(channel.pattern)}`,
    contentType: 'application/json',
    ...(payload ? { payload } : { summary: 'The contract names no response schema.' }),
    'x-nestjs-messaging': { role: 'response', ...(response === undefined ? {} : { schema: components.vendorOf(response) }) },
  };
  return id;
}

function describeChannel(channel: ChannelModel): string {
  const what = channel.kind === 'request' ? 'A request (a reply is expected)' : 'An event (no reply)';
  const contract = channel.contract;
  if (!contract) return `${what} with Nest pattern ${patternText(channel.pattern)}; no contract describes its payload.`;
  return (
    `${what} with Nest pattern ${patternText(channel.pattern)}. Contract versions ${contract.supportedVersions.join(', ')} ` +
    `(current ${contract.current}); the version travels in the msg-payload-version header, and a message without it is read as version ${contract.assumedVersion}. ` +
    'Older versions are upcast to the current one before the handler runs.'
  );
}
