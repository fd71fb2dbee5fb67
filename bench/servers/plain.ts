/* Plain Nest handlers (no library): the baseline server, run by Nest's own ServerTCP. */
import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ECHO, EVENT } from '../contracts';
import { countEvent } from './side-channel';

@Controller()
export class PlainHandlers {
  @MessagePattern(ECHO)
  echo(@Payload() data: unknown): unknown {
    return data;
  }

  @EventPattern(EVENT)
  event(): void {
    countEvent();
  }
}
