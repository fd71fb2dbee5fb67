/* The README's quick start: test/examples.e2e.spec.ts compiles and runs this file. */
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Controller, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, Transport } from '@nestjs/microservices';
import {
  InjectMessagingClient,
  MessageHandler,
  MessageMeta,
  MessagingClient,
  MessagingModule,
  messagingMicroservice,
  runWithMessageContext,
  type MessageMetadata,
} from 'nestjs-messaging';

// #region server
@Controller()
export class UsersController {
  @MessageHandler({ cmd: 'get_user' }) // Nest's @MessagePattern, run inside the library's pipeline
  getUser(@Payload() data: { id: number }, @MessageMeta() meta: MessageMetadata) {
    return { id: data.id, name: 'Sample', seenCorrelationId: meta.correlationId };
  }
}

@Module({ controllers: [UsersController] })
export class UsersModule {}
// #endregion server

// #region client
@Injectable()
export class Greeter {
  constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}

  async greet(id: number): Promise<string> {
    const user = await this.users.request<{ name: string }>({ cmd: 'get_user' }, { id }, { timeout: 1000 });
    return `Hello, ${user.name}`;
  }
}

export function appModule(usersPort: number): DynamicModule {
  return {
    module: class AppModule {},
    imports: [
      MessagingModule.forRoot({
        defaults: { timeout: 3000, retry: { maxAttempts: 3 } },
        clients: [{ name: 'users', transport: Transport.TCP, options: { host: '127.0.0.1', port: usersPort }, policy: { idempotent: true } }],
      }),
    ],
    providers: [Greeter],
  };
}
// #endregion client

// #region main
export async function main(port = Number(process.env.USERS_PORT ?? 3001)): Promise<string> {
  const users = await NestFactory.createMicroservice(UsersModule, {
    ...messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port } }),
    logger: false,
  });
  await users.listen();
  const { port: usersPort } = users.unwrap<Server>().address() as AddressInfo; // port 0: the OS chose
  const app = await NestFactory.createApplicationContext(appModule(usersPort), { logger: false });
  try {
    return await runWithMessageContext({ correlationId: 'quick-start-1' }, () => app.get(Greeter).greet(42));
  } finally {
    await app.close();
    await users.close();
  }
}
// #endregion main

if (require.main === module) {
  main().then((greeting) => console.log(greeting));
}
