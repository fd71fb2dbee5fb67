/* Code of docs/migrating-from-clientsmodule.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { ClientProxy, ClientsModule, EventPattern, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';

// #region before
@Injectable()
export class Greeter {
  constructor(@Inject('USERS') private readonly users: ClientProxy) {}

  greet(id: number): Promise<{ name: string }> {
    return lastValueFrom(this.users.send<{ name: string }>({ cmd: 'get_user' }, { id })); // no timeout: may hang forever
  }
}

@Module({
  imports: [ClientsModule.register([{ name: 'USERS', transport: Transport.TCP, options: { host: 'users', port: 3001 } }])],
  providers: [Greeter],
})
export class AppModule {}
// #endregion before

// #region before-handlers
@Controller()
export class UsersController {
  @MessagePattern({ cmd: 'get_user' })
  getUser(@Payload() data: { id: number }) {
    return { id: data.id, name: 'Sample' };
  }

  @EventPattern('user_created')
  onUserCreated(@Payload() user: { id: number }) {
    console.log(`user ${user.id} created`);
  }
}
// #endregion before-handlers
