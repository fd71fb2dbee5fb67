/* Code of docs/contracts.md and docs/asyncapi.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
import { Controller } from '@nestjs/common';
import { Payload, Transport } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { defineEvent, defineMessage, EventHandler, MessageHandler, MessageMeta, MessagingModule, type DecodedPayloadOf, type MessageMetadata } from 'nestjs-messaging';
import { CreateOrder } from '../fixtures/schema.contracts';

export class UserCreatedV1 {
  @IsInt() id!: number;
}

// #region contracts
export class GetUserV1 { @IsInt() @Min(1) userId!: number; }
export class GetUserV2 { @IsInt() @Min(1) id!: number; @IsOptional() @IsString() locale?: string; }
export class UserDto { @IsInt() id!: number; @IsString() name!: string; }

export const GetUser = defineMessage({
  pattern: { cmd: 'get_user' },
  versions: { 1: GetUserV1, 2: GetUserV2 },   // the highest is the current version
  upcast: { 1: (v1) => ({ id: v1.userId }) }, // v1 -> v2; one upcaster per older version
  response: UserDto,
});
export const UserCreated = defineEvent({ pattern: { event: 'user_created' }, versions: { 1: UserCreatedV1 } });
// #endregion contracts

// #region handlers
@Controller()
export class UsersController {
  @MessageHandler(GetUser)
  getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata): UserDto {
    return { id: dto.id, name: `user ${dto.id} (correlation id ${meta.correlationId})` };
  }

  @EventHandler(UserCreated)
  onUserCreated(@Payload() event: UserCreatedV1) {
    console.log(`user ${event.id} created`);
  }

  @MessageHandler({ cmd: 'ping' }) // a plain pattern: context and error model, no DTO
  ping() { return 'pong'; }
}
// #endregion handlers

@Controller()
export class OrdersController {
  // #region schema-handler
  @MessageHandler(CreateOrder)
  create(@Payload() order: DecodedPayloadOf<typeof CreateOrder>) { // sku upper-cased, qty defaulted
    return { orderId: `${order.sku}-1`, total: order.qty * 10 };
  }
  // #endregion schema-handler
}

export function clientContracts() {
  // #region client-contracts
  return MessagingModule.forRoot({
    clients: [{ name: 'users', transport: Transport.NATS, options: { servers: ['nats://nats:4222'] }, contracts: [GetUser, UserCreated] }],
  });
  // #endregion client-contracts
}
