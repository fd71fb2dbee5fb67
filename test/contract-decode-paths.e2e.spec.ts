import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IsInt, IsString, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { defineMessage, MessageHandler, MessagingClient, MessagingErrorCode, MessagingTcpClient } from '../src';
import { nestMajor, startTcpServer, type RunningServer } from './support/nest';

/**
 * The server decodes a contract's payload without a promise when every step is
 * synchronous (compiled plans), and through promises when a step is not (an
 * asynchronous class-validator constraint, on the sent version or on the one it
 * is upcast to). Both paths: the handler gets the current version's DTO, and an
 * invalid payload is refused with INVALID_ARGUMENT naming the field.
 */
@ValidatorConstraint({ name: 'isKnownRegion', async: true })
class IsKnownRegion implements ValidatorConstraintInterface {
  async validate(value: unknown): Promise<boolean> {
    return value === 'eu' || value === 'us';
  }
  defaultMessage(): string {
    return '$property must be a known region';
  }
}

class SyncV1 {
  @IsInt() userId!: number;
}
class SyncV2 {
  @IsInt() id!: number;
  @IsString() region!: string;
}
class AsyncV1 {
  @IsInt() userId!: number;
  @Validate(IsKnownRegion) region!: string;
}
class AsyncV2 {
  @IsInt() id!: number;
  @Validate(IsKnownRegion) region!: string;
}

const SyncGet = defineMessage({
  pattern: { cmd: 'decode_paths_sync' },
  versions: { 1: SyncV1, 2: SyncV2 },
  upcast: { 1: (v1: SyncV1) => ({ id: v1.userId, region: 'eu' }) },
});
const AsyncGet = defineMessage({
  pattern: { cmd: 'decode_paths_async' },
  versions: { 1: AsyncV1, 2: AsyncV2 },
  upcast: { 1: (v1: AsyncV1) => ({ id: v1.userId, region: v1.region }) },
});
/** Synchronous when sent as version 1, asynchronous once upcast to version 2. */
const MixedGet = defineMessage({
  pattern: { cmd: 'decode_paths_mixed' },
  versions: { 1: SyncV1, 2: AsyncV2 },
  upcast: { 1: (v1: SyncV1) => ({ id: v1.userId, region: v1.userId > 100 ? 'mars' : 'us' }) },
});

@Controller()
class Handlers {
  @MessageHandler(SyncGet)
  sync(@Payload() dto: SyncV2) {
    return { cls: dto.constructor.name, ...dto };
  }

  @MessageHandler(AsyncGet)
  async(@Payload() dto: AsyncV2) {
    return { cls: dto.constructor.name, ...dto };
  }

  @MessageHandler(MixedGet)
  mixed(@Payload() dto: AsyncV2) {
    return { cls: dto.constructor.name, ...dto };
  }
}

describe(`contract decoding on the server, synchronous and asynchronous steps (Nest ${nestMajor})`, () => {
  let server: RunningServer;
  let proxy: MessagingTcpClient;
  let client: MessagingClient;

  beforeAll(async () => {
    server = await startTcpServer([Handlers]);
    proxy = new MessagingTcpClient({ host: '127.0.0.1', port: server.port });
    client = MessagingClient.wrap(proxy, 'svc');
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
  });

  it('synchronous plans: the current version as sent, and an older one upcast', async () => {
    await expect(client.request(SyncGet, { id: 1, region: 'us' })).resolves.toEqual({ cls: 'SyncV2', id: 1, region: 'us' });
    await expect(client.request(SyncGet, { userId: 2 }, { version: 1 })).resolves.toEqual({ cls: 'SyncV2', id: 2, region: 'eu' });
    await expect(client.request(SyncGet, { userId: 'x' } as never, { version: 1, validatePayloads: false })).rejects.toMatchObject({
      code: MessagingErrorCode.INVALID_ARGUMENT,
      message: expect.stringContaining('userId'),
    });
  });

  it('an asynchronous constraint on the sent version and on the upcast one', async () => {
    await expect(client.request(AsyncGet, { id: 3, region: 'eu' })).resolves.toEqual({ cls: 'AsyncV2', id: 3, region: 'eu' });
    await expect(client.request(AsyncGet, { userId: 4, region: 'us' }, { version: 1 })).resolves.toEqual({ cls: 'AsyncV2', id: 4, region: 'us' });
    await expect(client.request(AsyncGet, { userId: 5, region: 'mars' }, { version: 1, validatePayloads: false })).rejects.toMatchObject({
      code: MessagingErrorCode.INVALID_ARGUMENT,
      message: expect.stringContaining('region'),
    });
  });

  it('a synchronous step followed by an asynchronous one', async () => {
    await expect(client.request(MixedGet, { userId: 6 }, { version: 1 })).resolves.toEqual({ cls: 'AsyncV2', id: 6, region: 'us' });
    await expect(client.request(MixedGet, { userId: 101 }, { version: 1 })).rejects.toMatchObject({
      code: MessagingErrorCode.INVALID_ARGUMENT,
      message: expect.stringContaining('region'),
    });
  });
});
