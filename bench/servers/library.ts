/* The same handlers with the library's decorators, plus contract handlers: a class-validator DTO, a zod 4 and a valibot 1 schema. */
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventHandler, MessageHandler } from 'nestjs-messaging';
import { ECHO, EchoContract, EchoDto, EchoValibotContract, EchoZodContract, EVENT } from '../contracts';
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

  @MessageHandler(EchoZodContract)
  zodEcho(@Payload() dto: unknown): unknown {
    return dto;
  }

  @MessageHandler(EchoValibotContract)
  valibotEcho(@Payload() dto: unknown): unknown {
    return dto;
  }
}
