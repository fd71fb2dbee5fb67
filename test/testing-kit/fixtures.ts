import { Controller, Injectable, Module, NotFoundException, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  EventHandler,
  InjectMessagingClient,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingModule,
  type CallPolicy,
  type ClientResilienceOptions,
  type MessageMetadata,
  type MessagingServerOptions,
} from '../../src';
import type { MessagingTestHarness } from '../../src/testing';
import { GetUser, GetUserV2, UserCreated, UserCreatedV2, type UserDto } from '../fixtures/users.contracts';

/** What the users service's handlers saw. */
export const seen = {
  requests: [] as Array<{ dto: GetUserV2; meta: MessageMetadata }>,
  events: [] as UserCreatedV2[],
  reset(): void {
    this.requests.length = 0;
    this.events.length = 0;
  },
};

/** A users service: GetUser (404 and 500 on request, id 9 takes a minute), UserCreated with dedupe. */
@Controller()
export class UsersHandlers {
  @MessageHandler(GetUser)
  async getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata): Promise<UserDto> {
    seen.requests.push({ dto, meta });
    if (dto.id === 404) throw new NotFoundException(`user ${dto.id} does not exist`);
    if (dto.id === 500) throw new Error('the database is on fire');
    if (dto.id === 9) await slow(60_000);
    return { id: dto.id, name: `user-${dto.id}` };
  }

  @EventHandler(UserCreated, { dedupe: true })
  userCreated(@Payload() event: UserCreatedV2): void {
    seen.events.push(event);
    if (event.id === 500) throw new Error('the mailer is down');
  }
}

/** Waits `ms` on the (possibly fake) clock. */
function slow(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An application whose 'users' client is a TCP client (as in production). */
@Injectable()
export class Gateway {
  constructor(@InjectMessagingClient('users') readonly users: MessagingClient) {}

  profile(id: number, policy?: CallPolicy): Promise<UserDto> {
    return this.users.request(GetUser, { id }, policy);
  }

  signup(id: number): Promise<void> {
    return lastValueFrom(this.users.emit(UserCreated, { id, source: 'signup' }));
  }
}

/** The gateway's module: its 'users' client would dial TCP port 1 (nothing listens there). */
export function gatewayModule(policy: CallPolicy = { timeout: 1000 }, resilience?: ClientResilienceOptions) {
  @Module({
    imports: [
      MessagingModule.forRoot({
        defaults: policy,
        clients: [{ name: 'users', transport: Transport.TCP, options: { host: '127.0.0.1', port: 1 }, resilience }],
      }),
    ],
    providers: [Gateway],
  })
  class GatewayModule {}
  return GatewayModule;
}

@Module({ controllers: [UsersHandlers] })
class UsersModule {}

/** Starts the users service in memory on `endpoint`. */
export async function startUsers(harness: MessagingTestHarness, endpoint = 'users', server?: MessagingServerOptions): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(UsersModule, { ...harness.microservice(endpoint, server), logger: false });
  await app.listen();
  return app;
}

/** Starts the gateway (an application context), its 'users' client pointed at the in-memory `endpoint`. */
export async function startGateway(
  harness: MessagingTestHarness,
  endpoint: string | undefined = 'users',
  policy?: CallPolicy,
  resilience?: ClientResilienceOptions,
): Promise<{ app: INestApplicationContext; gateway: Gateway }> {
  const app = await NestFactory.createApplicationContext(gatewayModule(policy, resilience), { logger: false });
  const override = harness.override(app, 'users');
  if (endpoint !== undefined) override.routeTo(endpoint);
  return { app, gateway: app.get(Gateway) };
}
