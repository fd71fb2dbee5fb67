/*
 * The plain-context bench server: Nest's ServerTCP and the plain handlers, each message handled inside an
 * AsyncLocalStorage context of its own, as any library that carries a per-message context through async code
 * does (a correlation id for the logs, a trace context). Nothing of nestjs-messaging: it shows what keeping a
 * context costs Nest's own server on this Node version (on Node 20, AsyncLocalStorage runs the async hooks for
 * every promise made, and Nest's handler call makes 15 to 20 per message; Node 24 keeps the context without them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ServerTCP, type TcpSocket } from '@nestjs/microservices';

const context = new AsyncLocalStorage<{ readonly receivedAt: number }>();

/** Nest's ServerTCP with each message handled in an AsyncLocalStorage context. */
export class ContextServerTCP extends ServerTCP {
  override handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    return context.run({ receivedAt: performance.now() }, () => super.handleMessage(socket, rawMessage));
  }
}
