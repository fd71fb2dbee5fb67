/* The benchmark's clients: a raw ClientProxy, a MessagingClient (optionally instrumented), and the calls each row makes. */
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MessagingClient, MessagingClientSerializer, MessagingTcpClient, type MessagingInstrumentation } from 'nestjs-messaging';
import { ECHO, EchoContract, EchoValibotContract, EchoZodContract, EVENT, PAYLOAD } from './contracts';
import type { BenchServer, Call } from './harness';
import { rawNetClient } from './raw-net';
import { ReferenceTelemetry } from './tracing';

const open: Array<{ close(): unknown }> = [];

/** Nest's own TCP client, no library. */
export async function rawClient(server: BenchServer): Promise<ClientProxy> {
  const proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: server.port } });
  await proxy.connect();
  open.push(proxy);
  return proxy;
}

/** A MessagingClient as MessagingModule builds one for TCP: over the library's MessagingTcpClient, default policy. */
export async function messagingClient(server: BenchServer, instrumentation?: MessagingInstrumentation[]): Promise<MessagingClient> {
  const proxy = await libraryTcpClient(server);
  return MessagingClient.wrap(proxy, `bench-${server.kind}`, undefined, instrumentation ? { instrumentation } : {});
}

/** A MessagingClient over Nest's ClientTCP with the library's serializer (`tcp: { client: 'nest' }`), default policy. */
export async function nestMessagingClient(server: BenchServer): Promise<MessagingClient> {
  const proxy = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: server.port, serializer: new MessagingClientSerializer() },
  });
  await proxy.connect();
  open.push(proxy);
  return MessagingClient.wrap(proxy, `bench-nest-${server.kind}`);
}

/** The library's TCP client (MessagingTcpClient), used as a ClientProxy. */
export async function libraryTcpClient(server: BenchServer): Promise<MessagingTcpClient> {
  const proxy = new MessagingTcpClient({ host: '127.0.0.1', port: server.port });
  await proxy.connect();
  open.push(proxy);
  return proxy;
}

/** The raw-socket reference client (bench/raw-net.ts). */
export async function rawNetSend(server: BenchServer): Promise<Call> {
  const client = await rawNetClient(server.port);
  open.push(client);
  return () => client.send(ECHO, PAYLOAD);
}

export async function closeClients(): Promise<void> {
  for (const c of open.splice(0)) await c.close();
}

export const rawSend = (proxy: ClientProxy): Call => () => lastValueFrom(proxy.send(ECHO, PAYLOAD));
export const rawEmit = (proxy: ClientProxy): Call => () => lastValueFrom(proxy.emit(EVENT, PAYLOAD), { defaultValue: undefined });
export const libRequest = (client: MessagingClient): Call => () => client.request(ECHO, PAYLOAD);
export const libContract = (client: MessagingClient): Call => () => client.request(EchoContract, PAYLOAD);
export const libZodContract = (client: MessagingClient): Call => () => client.request(EchoZodContract, PAYLOAD);
export const libValibotContract = (client: MessagingClient): Call => () => client.request(EchoValibotContract, PAYLOAD);
export const libEmit = (client: MessagingClient): Call => () => lastValueFrom(client.emit(EVENT, PAYLOAD), { defaultValue: undefined });

/**
 * A raw ClientProxy call inside a CLIENT span and a duration record made with the SDK directly; `library`:
 * with the span attributes, metric attributes and trace-context injection of the library's client instrumentation.
 */
export function referenceSend(proxy: ClientProxy, mode: 'minimal' | 'library' = 'minimal'): Call {
  const telemetry = new ReferenceTelemetry('client', JSON.stringify(ECHO), mode);
  const send = rawSend(proxy);
  return () => telemetry.traced(send);
}
