/* A plain Nest handler that makes its span and duration record with the OpenTelemetry SDK directly: the reference of the traced rows. */
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ECHO } from '../contracts';
import { ReferenceTelemetry } from '../tracing';

const telemetry = new ReferenceTelemetry('server', JSON.stringify(ECHO));

@Controller()
export class ReferenceHandlers {
  @MessagePattern(ECHO)
  echo(@Payload() data: unknown): Promise<unknown> {
    return telemetry.traced(() => data);
  }
}
