import { Test } from '@nestjs/testing';
import { Transport } from '@nestjs/microservices';
import { getMessagingClientToken, MessagingClient, MessagingModule, type CallPolicy } from '../../../src';
import { type TcpClientOptions } from '../../../src/extend';

/** A MessagingClient of the library (through MessagingModule) for a TCP server on loopback, and what closes it. */
export async function tcpMessagingClient(
  port: number,
  policy: CallPolicy,
  tcp?: TcpClientOptions,
): Promise<{ client: MessagingClient; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, policy, tcp }] })],
  }).compile();
  await moduleRef.init();
  return { client: moduleRef.get<MessagingClient>(getMessagingClientToken('svc')), close: () => moduleRef.close() };
}

/** Resolves after `ms` (pacing a load, not waiting for readiness). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `p`'s value, or undefined when it has not settled within `ms` (it is left to settle on its own). */
export function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms), undefined)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
