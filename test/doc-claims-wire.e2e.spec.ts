import type { INestMicroservice } from '@nestjs/common';
import { ClientProxyFactory, Ctx, MqttContext, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { IsInt, IsString, Min } from 'class-validator';
import { firstValueFrom } from 'rxjs';
import {
  defineMessage,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingClientSerializer,
  MessagingErrorCode,
  runWithMessageContext,
  type MessageMetadata,
} from '../src';
import { describeWithBroker } from './support/brokers';
import { Controller, nestMajor, plainTcpClient, startTcpServer, type RunningServer } from './support/nest';
import { endpoint, startServer, uniqueName } from './support/transports';

/**
 * Claims of docs/transports.md, docs/wire-format.md and docs/contracts.md
 * about what crosses the wire, each proven against a real library server
 * (issue 17). Each test names the doc line it proves.
 */

// ---------------------------------------------------------------------------------------------
// MQTT 3.1.1: the metadata rides in the body's `metadata` field
// ---------------------------------------------------------------------------------------------

const MQTT_URL = 'mqtt://127.0.0.1:1883';
/** MQTT routes on the pattern alone: a pattern of this run's own on the shared broker. */
const MQTT_PATTERN = { cmd: 'mqtt311_meta', ns: uniqueName('claims') };

interface SeenOverMqtt {
  correlationId: string;
  messageId: string;
  app: Record<string, string>;
  /** The MQTT 5 user properties of the packet (none on a 3.1.1 connection). */
  userProperties: unknown;
}

@Controller()
class Mqtt311Controller {
  @MessageHandler(MQTT_PATTERN)
  meta(@MessageMeta() meta: MessageMetadata, @Ctx() ctx: MqttContext): SeenOverMqtt {
    const packet = ctx.getPacket() as { properties?: { userProperties?: unknown } };
    return {
      correlationId: meta.correlationId,
      messageId: meta.messageId,
      app: { ...meta.app },
      userProperties: packet.properties?.userProperties ?? null,
    };
  }
}

describeWithBroker('mqtt', `documented claims: MQTT 3.1.1 (Nest ${nestMajor})`, () => {
  let server: INestMicroservice | undefined;
  let client: MessagingClient | undefined;
  const mqtt311 = { url: MQTT_URL, protocolVersion: 4 as const };

  beforeAll(async () => {
    server = await startServer(await endpoint('mqtt'), [Mqtt311Controller], {
      nest: { transport: Transport.MQTT, options: mqtt311 },
    });
    client = MessagingClient.wrap(
      ClientProxyFactory.create({
        transport: Transport.MQTT,
        options: { ...mqtt311, serializer: new MessagingClientSerializer(undefined, Transport.MQTT) },
      }),
      'mqtt311',
      { timeout: 5000 },
    );
  });
  afterAll(async () => {
    await client?.close();
    await client?.proxy.close();
    await server?.close();
  });

  it('docs/transports.md, docs/wire-format.md: over MQTT 3.1.1 (protocolVersion: 4) the handler still gets the correlation id and metadata, from the body field', async () => {
    const seen = await runWithMessageContext({ correlationId: 'mqtt311-corr-1' }, () =>
      client!.request<SeenOverMqtt>(MQTT_PATTERN, {}, { metadata: { tenant: 'acme' } }),
    );
    expect(seen.correlationId).toBe('mqtt311-corr-1');
    expect(seen.messageId).toEqual(expect.any(String));
    expect(seen.app).toEqual({ tenant: 'acme' });
    // 3.1.1 has no user properties: what the handler saw came from the packet's `metadata` field
    expect(seen.userProperties).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// assumeVersion: what a plain Nest client (no version) is taken to send
// ---------------------------------------------------------------------------------------------

/** v1 named the item `sku`. */
class ItemV1 {
  @IsString() sku!: string;
}
/** v2 renamed it `code`. */
class ItemV2 {
  @IsString() code!: string;
}
/** v3 added a required quantity. */
class ItemV3 {
  @IsString() code!: string;
  @IsInt() @Min(1) qty!: number;
}

const ReserveItem = defineMessage({
  pattern: { cmd: 'reserve_item' },
  versions: { 1: ItemV1, 2: ItemV2, 3: ItemV3 },
  upcast: { 1: (v1) => ({ code: v1.sku }), 2: (v2) => ({ code: v2.code, qty: 1 }) },
  assumeVersion: 2,
});

const reserved: unknown[] = [];

@Controller()
class ItemsController {
  @MessageHandler(ReserveItem)
  reserve(@Payload() item: ItemV3) {
    reserved.push(item);
    return { code: item.code, qty: item.qty };
  }
}

describe(`documented claims: a contract's assumeVersion (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  let plain: ClientProxy;

  beforeAll(async () => {
    server = await startTcpServer([ItemsController]);
    plain = plainTcpClient(server.port);
  });
  afterAll(async () => {
    await plain?.close();
    await server?.close();
  });
  beforeEach(() => (reserved.length = 0));

  it('docs/contracts.md: with assumeVersion: 2, a plain Nest client\'s v2-shaped payload is upcast to the current v3', async () => {
    const reply = await firstValueFrom(plain.send(ReserveItem.pattern, { code: 'ab-1' }));
    expect(reply).toEqual({ code: 'ab-1', qty: 1 });
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toBeInstanceOf(ItemV3);
    expect(reserved[0]).toEqual(Object.assign(new ItemV3(), { code: 'ab-1', qty: 1 }));
  });

  it('docs/contracts.md: with assumeVersion: 2, a plain Nest client\'s v1-shaped payload is refused INVALID_ARGUMENT, never handled', async () => {
    const err = await firstValueFrom(plain.send(ReserveItem.pattern, { sku: 'ab-1' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MessagingErrorCode.INVALID_ARGUMENT, retryable: false, details: { version: 2 } });
    expect(reserved).toEqual([]);
  });
});
