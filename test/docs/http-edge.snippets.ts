/* Code of docs/http-edge.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
import { Controller, Get, Param } from '@nestjs/common';
import { InjectMessagingClient, MessagingClient, RequestTimeout } from 'nestjs-messaging';
import { GetUser } from './contracts.snippets';

@Controller('users')
export class UsersHttpController {
  constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}

  // #region request-timeout
  @Get(':id')
  @RequestTimeout(2000) // every call made while serving this route gets at most what is left of 2 s
  get(@Param('id') id: string) {
    return this.users.request(GetUser, { id: Number(id) });
  }
  // #endregion request-timeout
}
