// #region app-module
// app.module.ts: a client application that calls the users service
import { Injectable, type DynamicModule } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';
import { InjectMessagingClient, MessagingClient, MessagingModule } from 'nestjs-messaging';

@Injectable()
export class Greeter {
  constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}

  async greet(id: number): Promise<string> {
    // the call carries the current correlation id; it ends within 1 s, retries included
    const user = await this.users.request<{ name: string; seenCorrelationId: string }>({ cmd: 'get_user' }, { id }, { timeout: 1000 });
    return `Hello, ${user.name} (the handler saw correlation id ${user.seenCorrelationId})`;
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
// #endregion app-module
