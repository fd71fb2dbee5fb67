/* Code of docs/api.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
import { Injectable, Module } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';
import { MessagingModule } from 'nestjs-messaging';

/** Stands for @nestjs/config's ConfigService. */
@Injectable()
export class ConfigService {
  get<T>(key: string): T {
    return { USERS_PORT: 3001, ORDERS_URL: 'nats://127.0.0.1:4222' }[key] as T;
  }
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
export class ConfigModule {}

export const asyncModule =
  // #region for-root-async
  MessagingModule.forRootAsync({
    imports: [ConfigModule],
    // one factory per client, as ClientsModule.registerAsync: each name gets its @InjectMessagingClient token
    clients: [
      {
        name: 'users',
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          transport: Transport.TCP,
          options: { host: '127.0.0.1', port: config.get<number>('USERS_PORT') },
        }),
      },
      {
        name: 'orders',
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          transport: Transport.NATS,
          options: { servers: [config.get<string>('ORDERS_URL')] },
          policy: { timeout: 2000 },
        }),
      },
    ],
    // optional: the module's own options (defaults, instrumentation, more clients)
    useFactory: () => ({ defaults: { timeout: 3000 } }),
  });
// #endregion for-root-async
