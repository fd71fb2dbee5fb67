/*
 * The hybrid example's application: one Nest app that serves HTTP and a TCP
 * microservice. The HTTP controller calls the microservice's handlers through
 * a MessagingClient, as another service would.
 */
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Param,
  ParseIntPipe,
  Post,
  type DynamicModule,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload, RpcException, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  getMessageContext,
  InjectMessagingClient,
  MessageMeta,
  MessagingClient,
  MessagingHttpModule,
  MessagingModule,
  MessagingHttpExceptionFilter,
  type MessageMetadata,
  type RetryEvent,
} from 'nestjs-messaging';

export interface User {
  id: number;
  name: string;
}

/** What a handler saw, kept so that the demo can print it. */
export interface HandlerRecord {
  handler: string;
  correlationId: string;
  attempt: number;
}

/** In-memory users, welcome notifications and a journal of handled messages. */
@Injectable()
export class UsersStore {
  readonly users = new Map<number, User>([[42, { id: 42, name: 'Sample User' }]]);
  readonly notifications: Array<{ userId: number; text: string; correlationId: string }> = [];
  readonly journal: HandlerRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Waits `ms` without keeping the process alive on shutdown. */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

// #region handlers
/** The microservice side: handlers equipped with the library's interceptor. */
@Controller()
export class UsersHandlers {
  constructor(private readonly store: UsersStore) {}

  @MessagePattern({ cmd: 'get_user' })
  getUser(@Payload() data: { id: number }, @MessageMeta() meta: MessageMetadata): User {
    this.store.journal.push({ handler: 'get_user', correlationId: meta.correlationId, attempt: meta.attempt });
    const user = this.store.users.get(data.id);
    if (!user) throw new RpcException({ code: 'NOT_FOUND', message: `user ${data.id} does not exist` });
    return user;
  }

  @EventPattern<string>('user_created') // <string>: Nest 12's typed-events overload would otherwise type the parameters
  userCreated(@Payload() user: User, @MessageMeta() meta: MessageMetadata): void {
    this.store.journal.push({ handler: 'user_created', correlationId: meta.correlationId, attempt: meta.attempt });
    this.store.notifications.push({ userId: user.id, text: `Welcome, ${user.name}!`, correlationId: meta.correlationId });
  }

  /** Too slow for its callers' budget. */
  @MessagePattern({ cmd: 'build_report' })
  async buildReport(@Payload() data: { id: number }): Promise<{ id: number; report: string }> {
    await this.store.delay(2_000);
    return { id: data.id, report: 'done' };
  }

  /** Fails twice with a retryable error (as a backend warming up would), then answers. */
  @MessagePattern({ cmd: 'get_profile' })
  getProfile(@Payload() data: { id: number }, @MessageMeta() meta: MessageMetadata): { id: number; bio: string; attempt: number } {
    this.store.journal.push({ handler: 'get_profile', correlationId: meta.correlationId, attempt: meta.attempt });
    if (meta.attempt < 3) {
      throw new RpcException({ code: 'UNAVAILABLE', message: 'profile store is warming up', retryable: true });
    }
    return { id: data.id, bio: 'Wrote the first program.', attempt: meta.attempt };
  }
}

// #endregion handlers

/** Budget of the slow route, in milliseconds. */
export const REPORT_BUDGET_MS = 300;

// #region http-controller
/** The HTTP side: every call runs in the request's message context (MessagingHttpModule). */
@Controller('users')
export class UsersController {
  constructor(
    @InjectMessagingClient('users') private readonly users: MessagingClient,
    private readonly store: UsersStore,
  ) {}

  @Get(':id')
  getUser(@Param('id', ParseIntPipe) id: number): Promise<User> {
    return this.users.request<User>({ cmd: 'get_user' }, { id });
  }

  @Post()
  @HttpCode(201)
  async createUser(@Body() body: { name: string }): Promise<User> {
    const user = { id: this.store.users.size + 100, name: body.name };
    this.store.users.set(user.id, user);
    await lastValueFrom(this.users.emit('user_created', user)); // resolves once the transport took it
    return user;
  }

  @Get(':id/report')
  report(@Param('id', ParseIntPipe) id: number): Promise<unknown> {
    return this.users.request({ cmd: 'build_report' }, { id }, { timeout: REPORT_BUDGET_MS });
  }

  @Get(':id/profile')
  async profile(@Param('id', ParseIntPipe) id: number): Promise<unknown> {
    const retries: Array<{ attempt: number; code: string }> = [];
    const profile = await this.users.request<object>(
      { cmd: 'get_profile' },
      { id },
      {
        idempotent: true,
        timeout: 3_000,
        retry: { maxAttempts: 3, baseDelay: 50, maxDelay: 200 },
        onRetry: (e: RetryEvent) => retries.push({ attempt: e.attempt, code: e.error.code }),
      },
    );
    return { ...profile, failedAttempts: retries, correlationId: getMessageContext()?.correlationId };
  }

  @Get(':id/notifications')
  notifications(@Param('id', ParseIntPipe) id: number) {
    return this.store.notifications.filter((n) => n.userId === id);
  }
}

// #endregion http-controller

// #region app-module
/** The application module; the client calls the app's own TCP microservice on `tcpPort`. */
export function appModule(tcpPort: number): DynamicModule {
  return {
    module: class HybridAppModule {},
    imports: [
      MessagingHttpModule.forRoot(), // reads/echoes x-correlation-id, opens the context per request
      MessagingModule.forRoot({
        defaults: { timeout: 2_000 },
        clients: [{ name: 'users', transport: Transport.TCP, options: { host: '127.0.0.1', port: tcpPort } }],
      }),
    ],
    controllers: [UsersController, UsersHandlers],
    // The library's filter maps its errors to HTTP statuses: DEADLINE_EXCEEDED -> 504, NOT_FOUND -> 404, ...
    providers: [UsersStore, { provide: APP_FILTER, useClass: MessagingHttpExceptionFilter }],
  };
}
// #endregion app-module
