/* The same handlers with the library's decorators, plus a contract handler (class-transformer + class-validator per message). */
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventHandler, MessageHandler } from 'nestjs-messaging';
import { ECHO, EchoContract, EchoDto, EVENT } from '../contracts';
import { countEvent } from './side-channel';

@Controller()
export class LibraryHandlers {
  @MessageHandler(ECHO)
  echo(@Payload() data: unknown): unknown {
    return data;
  }

  @EventHandler(EVENT)
  event(): void {
    countEvent();
  }

  @MessageHandler(EchoContract)
  contractEcho(@Payload() dto: EchoDto): EchoDto {
    return dto;
  }
}
