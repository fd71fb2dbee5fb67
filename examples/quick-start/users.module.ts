// #region users-module
// users.module.ts: the users microservice, a handler that answers { cmd: 'get_user' }
import { Controller, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessageHandler, MessageMeta, type MessageMetadata } from 'nestjs-messaging';

@Controller()
export class UsersController {
  @MessageHandler({ cmd: 'get_user' }) // Nest's @MessagePattern, run inside the library's pipeline
  getUser(@Payload() data: { id: number }, @MessageMeta() meta: MessageMetadata) {
    // meta: the message metadata; its correlation id is the caller's
    return { id: data.id, name: 'Sample', seenCorrelationId: meta.correlationId };
  }
}

@Module({ controllers: [UsersController] })
export class UsersModule {}
// #endregion users-module
