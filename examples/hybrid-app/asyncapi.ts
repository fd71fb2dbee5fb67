/*
 * What `npx nestjs-messaging asyncapi examples/hybrid-app/asyncapi.ts` documents:
 * the hybrid app's module (its TCP microservice on port 3001), and the
 * document's info and servers (the options the app gives messagingMicroservice()).
 */
import { Transport } from '@nestjs/microservices';
import type { AsyncApiOptions } from 'nestjs-messaging/asyncapi';
import { appModule } from './app.module';

export default appModule(3001);

export const asyncApiOptions: AsyncApiOptions = {
  info: { title: 'hybrid-app', version: '1.0.0', description: 'The hybrid example: HTTP and a TCP microservice in one Nest app.' },
  servers: { tcp: { transport: Transport.TCP, options: { host: '127.0.0.1', port: 3001 } } },
};
