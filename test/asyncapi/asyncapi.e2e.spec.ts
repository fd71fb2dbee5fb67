import { join } from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { defineMessage, MessageHandler, MessagingConfigurationError, MessagingModule } from '../../src';
import { generateAsyncApi, SchemaConversionError, type AsyncApiDocument, type AsyncApiMessage } from '../../src/asyncapi';
import { run } from '../../src/cli/main';
import { DocumentOnlyServer } from '../../src/cli/document-only-server';
import { nestMajor } from '../support/nest';
import { GetUser } from '../fixtures/users.contracts';
import { unexplainedDiagnostics } from './support';

const root = join(__dirname, '..', '..');

async function documentOfFile(file: string, format: 'json' | 'yaml' = 'json'): Promise<{ text: string; doc: AsyncApiDocument }> {
  const { stdout, code } = await run(['asyncapi', join(root, file), '--format', format]);
  expect(code).toBe(0);
  return { text: stdout, doc: (format === 'json' ? JSON.parse(stdout) : parseYaml(stdout)) as AsyncApiDocument };
}

describe(`AsyncAPI documents (Nest ${nestMajor})`, () => {
  let fixture: AsyncApiDocument;
  beforeAll(async () => {
    fixture = (await documentOfFile('test/fixtures/asyncapi-app.ts')).doc;
  }, 60_000);

  it('the test fixtures app: valid for @asyncapi/parser, 0 errors, 0 warnings', async () => {
    expect(fixture.asyncapi).toBe('3.0.0');
    expect(await unexplainedDiagnostics(fixture)).toEqual([]);
  });

  it('examples/hybrid-app: valid for @asyncapi/parser, as JSON and as YAML', async () => {
    const json = await documentOfFile('examples/hybrid-app/asyncapi.ts');
    expect(await unexplainedDiagnostics(json.text)).toEqual([]);
    const yaml = await documentOfFile('examples/hybrid-app/asyncapi.ts', 'yaml');
    expect(yaml.text).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
    expect(yaml.doc).toEqual(json.doc);
    expect(await unexplainedDiagnostics(yaml.text)).toEqual([]);
    // its plain @MessagePattern/@EventPattern handlers are found by Nest's own metadata keys, on both majors
    expect(Object.keys(json.doc.operations).sort()).toEqual([
      'receive.cmd.build_report',
      'receive.cmd.get_profile',
      'receive.cmd.get_user',
      'receive.user_created',
    ]);
    expect(json.doc.operations['receive.cmd.get_user']!['x-nestjs-messaging']).toEqual({ handler: 'UsersHandlers.getUser', decorator: 'nest' });
    expect(json.doc.info).toMatchObject({ title: 'hybrid-app', version: '1.0.0' });
    expect(json.doc.servers).toEqual({ tcp: expect.objectContaining({ host: '127.0.0.1:3001', protocol: 'tcp' }) });
  }, 60_000);

  it('a message per contract version, the version in its headers, the payload as JSON Schema', () => {
    const channel = fixture.channels['cmd.get_user']!;
    expect(channel.address).toBeNull(); // an object pattern is no address (AsyncAPI reads {...} as parameters)
    expect(channel['x-nestjs-messaging']).toEqual({
      pattern: { cmd: 'get_user' }, route: '{"cmd":"get_user"}', kind: 'request', versions: [1, 2], current: 2, assumedVersion: 2,
    });
    expect(channel.messages).toEqual({
      v1: { $ref: '#/components/messages/cmd.get_user.v1' },
      v2: { $ref: '#/components/messages/cmd.get_user.v2' },
    });
    const v1 = fixture.components.messages['cmd.get_user.v1'] as AsyncApiMessage;
    expect(v1.headers).toEqual({
      type: 'object',
      allOf: [{ $ref: '#/components/schemas/MessagingMetadata' }],
      properties: { 'msg-payload-version': { type: 'string', const: '1' } },
    });
    expect(v1['x-nestjs-messaging']).toEqual({ role: 'payload', version: 1, upcastTo: 2, schema: 'class-validator' });
    expect(v1.payload).toEqual({ $ref: '#/components/schemas/GetUserV1' });
    expect(fixture.components.schemas.GetUserV2).toEqual({
      type: 'object',
      properties: { id: { type: 'integer', minimum: 1 }, locale: { type: 'string' } },
      required: ['id'],
    });
    // a nested DTO through class-transformer's @Type
    expect(fixture.components.schemas.CreateUserV1!.properties).toMatchObject({ address: { $ref: '#/components/schemas/AddressDto' } });
    expect(fixture.components.schemas.AddressDto).toMatchObject({ required: ['zip', 'city'] });
    // Standard Schemas: valibot v1, zod v2 (its input: qty has a default, so it is not required)
    expect(fixture.components.messages['cmd.create_order.v1']!['x-nestjs-messaging']).toMatchObject({ schema: 'valibot' });
    expect(fixture.components.schemas['cmd.create_order.v1']).toEqual({
      type: 'object',
      properties: { fullName: { type: 'string', minLength: 1 }, qty: { type: 'integer' } },
      required: ['fullName', 'qty'],
    });
    expect(fixture.components.schemas['cmd.create_order.v2']).toMatchObject({ required: ['customer', 'sku'], additionalProperties: false });
    // the metadata map of docs/wire-format.md
    const headers = fixture.components.schemas.MessagingMetadata as { properties: Record<string, unknown> };
    expect(Object.keys(headers.properties)).toEqual([
      'msg-format', 'msg-id', 'msg-correlation-id', 'msg-causation-id', 'msg-sent-at', 'msg-attempt', 'msg-payload-version', 'msg-timeout-ms',
      'traceparent', 'tracestate',
    ]);
  });

  it('receive per handler, send per declared client contract, request-reply with the response and the wire error', () => {
    const receive = fixture.operations['receive.cmd.get_user']!;
    expect(receive).toMatchObject({
      action: 'receive',
      channel: { $ref: '#/channels/cmd.get_user' },
      messages: [{ $ref: '#/channels/cmd.get_user/messages/v1' }, { $ref: '#/channels/cmd.get_user/messages/v2' }],
      reply: {
        channel: { $ref: '#/channels/cmd.get_user.reply' },
        messages: [{ $ref: '#/channels/cmd.get_user.reply/messages/response' }, { $ref: '#/channels/cmd.get_user.reply/messages/error' }],
      },
      'x-nestjs-messaging': { handler: 'FixtureHandlers.getUser', decorator: 'library', versions: [1, 2] },
    });
    expect(fixture.operations['send.users.cmd.get_user']).toMatchObject({
      action: 'send',
      messages: [{ $ref: '#/channels/cmd.get_user/messages/v2' }], // a contract alone: its current version
      'x-nestjs-messaging': { client: 'users', versions: [2] },
    });
    expect(fixture.operations['send.legacy.cmd.get_user']!['x-nestjs-messaging']).toEqual({ client: 'legacy', versions: [1] });
    expect(fixture.operations['send.audit.event.user_created']).not.toHaveProperty('reply');
    expect(fixture.components.messages['cmd.get_user.response']!.payload).toEqual({ $ref: '#/components/schemas/UserDto' });
    expect(fixture.channels['cmd.get_user.reply']!.messages.error).toEqual({ $ref: '#/components/messages/MessagingWireError' });
    expect(fixture.components.schemas.MessagingWireError).toMatchObject({ required: ['code', 'message', 'retryable'] });
    // a plain pattern: a message without payload schema
    expect(fixture.components.messages['cmd.legacy_sum']).not.toHaveProperty('payload');
    expect(fixture.operations['receive.legacy_audit']!['x-nestjs-messaging']).toEqual({ handler: 'FixtureHandlers.audit', decorator: 'nest' });
  });

  it('servers of the app and of its clients, bindings where AsyncAPI has them, no credentials', () => {
    const servers = fixture.servers!;
    expect(Object.keys(servers)).toEqual(['tcp', 'nats', 'rabbit', 'mqtt', 'redis', 'users', 'audit', 'legacy', 'devices']);
    expect(servers.tcp!.description).toContain("packet's `metadata` field");
    expect(servers.redis!.description).toContain('`<route>.reply`');
    expect(servers.audit).toMatchObject({ protocol: 'amqps', host: 'rabbit.internal', pathname: '/prod' });
    expect(servers.devices).toMatchObject({ protocol: 'secure-mqtt', host: 'mqtt.internal:8883', protocolVersion: '5' });
    expect(JSON.stringify(fixture)).not.toMatch(/s3cret|guest/);
    // the NATS peer of client 'orders' is the app's own NATS server: one server object
    expect(fixture.channels['event.order_shipped']!.servers).toEqual([{ $ref: '#/servers/nats' }]); // the handler is NATS-only
    expect(fixture.channels['event.user_created']!.bindings).toEqual({
      amqp: { is: 'queue', queue: { name: 'users', durable: true }, bindingVersion: '0.3.0' },
    });
    expect(fixture.operations['receive.cmd.get_user']!.bindings).toEqual({
      nats: { queue: 'users-service', bindingVersion: '0.1.0' },
      mqtt: { qos: 1, bindingVersion: '0.2.0' },
    });
  });

  it('a contract whose schema cannot be converted fails with an error naming it', async () => {
    const Schedule = defineMessage({ pattern: { cmd: 'schedule' }, versions: { 1: z.object({ at: z.date() }) } });
    @Controller()
    class Handlers {
      @MessageHandler(Schedule)
      schedule() {}
    }
    @Module({ controllers: [Handlers] })
    class App {}
    const app = await NestFactory.createMicroservice(App, { strategy: new DocumentOnlyServer(), logger: false });
    try {
      const err = await generateAsyncApi(app).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaConversionError);
      expect(err).toMatchObject({ vendor: 'zod', pattern: '{"cmd":"schedule"}', version: 1 });
      expect((err as Error).message).toMatch(/^contract \{"cmd":"schedule"\} version 1: the zod schema cannot be converted to JSON Schema by zod's converter: Date cannot be represented/);
    } finally {
      await app.close();
    }
  });

  it('a client contracts option is checked when the module is built', () => {
    expect(() =>
      MessagingModule.forRoot({ clients: [{ name: 'c', transport: Transport.TCP, contracts: [{ cmd: 'x' } as never, { contract: GetUser, versions: [3] }] }] }),
    ).toThrow(MessagingConfigurationError);
    expect(() => MessagingModule.forRoot({ clients: [{ name: 'c', transport: Transport.TCP, contracts: [{ contract: GetUser, versions: [3] }] }] })).toThrow(
      "client 'c' contracts[0] has versions [3]: give a non-empty list of the contract's versions (1, 2)",
    );
  });
});
