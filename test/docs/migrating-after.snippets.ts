/* Code of docs/migrating-from-clientsmodule.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
import { Controller, Injectable, Module } from '@nestjs/common';
import { ClientsModule, Payload, Transport } from '@nestjs/microservices';
import { EventHandler, InjectMessagingClient, MessageHandler, MessagingClient, MessagingClientSerializer, MessagingModule } from 'nestjs-messaging';

// #region after
@Injectable()
export class Greeter {
  constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}

  greet(id: number): Promise<{ name: string }> {
    return this.users.request<{ name: string }>({ cmd: 'get_user' }, { id }); // 5 s budget, typed errors, correlation id
  }
}

@Module({
  imports: [MessagingModule.forRoot({ clients: [{ name: 'users', transport: Transport.TCP, options: { host: 'users', port: 3001 } }] })],
  providers: [Greeter],
})
export class AppModule {}
// #endregion after

// #region after-handlers
@Controller()
export class UsersController {
  @MessageHandler({ cmd: 'get_user' })
  getUser(@Payload() data: { id: number }) {
    return { id: data.id, name: 'Sample' };
  }

  @EventHandler('user_created')
  onUserCreated(@Payload() user: { id: number }) {
    console.log(`user ${user.id} created`);
  }
}
// #endregion after-handlers

export function keepClientsModule() {
  // #region use-existing
  return MessagingModule.forRoot({
    imports: [
      ClientsModule.register([
        {
          name: 'USERS',
          transport: Transport.TCP,
          // without this serializer, calls still work but peers receive no metadata
          options: { host: 'users', port: 3001, serializer: new MessagingClientSerializer(undefined, Transport.TCP) },
        },
      ]),
    ],
    clients: [{ name: 'users', useExisting: 'USERS' }], // the same ClientProxy, wrapped in a MessagingClient
  });
  // #endregion use-existing
}
