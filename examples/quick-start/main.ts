// #region main
// main.ts: starts the users microservice, then calls it from the client application
import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { messagingMicroservice, runWithMessageContext } from 'nestjs-messaging';
import { appModule, Greeter } from './app.module';
import { UsersModule } from './users.module';

export async function main(port = Number(process.env.USERS_PORT ?? 3001)): Promise<string> {
  // the library's server strategy: handlers see the metadata on Nest 11 and 12 alike
  const users = await NestFactory.createMicroservice(UsersModule, {
    ...messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port } }),
    logger: false,
  });
  await users.listen();
  const { port: usersPort } = users.unwrap<Server>().address() as AddressInfo; // port 0: the OS chose
  const app = await NestFactory.createApplicationContext(appModule(usersPort), { logger: false });
  try {
    // a conversation with a correlation id of our own (an HTTP request or a handled message opens one for you)
    return await runWithMessageContext({ correlationId: 'quick-start-1' }, () => app.get(Greeter).greet(42));
  } finally {
    await app.close();
    await users.close();
  }
}

if (require.main === module) {
  main().then((greeting) => console.log(greeting)); // Hello, Sample (the handler saw correlation id quick-start-1)
}
// #endregion main
