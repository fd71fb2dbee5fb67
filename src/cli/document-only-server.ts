import { Server, type CustomTransportStrategy } from '@nestjs/microservices';

/**
 * A server strategy that never listens: `nestjs-messaging asyncapi` boots the
 * application's module as a microservice with it, so that Nest builds every
 * module, provider and controller (and runs no lifecycle hook: `listen` is
 * never called), no port opens and no client connects.
 */
export class DocumentOnlyServer extends Server implements CustomTransportStrategy {
  /** Calls back at once; never called by the command. */
  listen(callback: () => void): void {
    callback();
  }

  /** Nothing to close. */
  close(): void {}

  /** No events. */
  on(): void {}

  /** There is no underlying server. */
  unwrap<T>(): T {
    throw new Error('DocumentOnlyServer has no underlying server');
  }
}
