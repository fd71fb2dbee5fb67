/* The benchmark's clients: a raw ClientProxy, a MessagingClient (optionally instrumented), and the calls each row makes. */
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MessagingClient, MessagingClientSerializer, MessagingTcpClient, type MessagingInstrumentation } from 'nestjs-messaging';
import { ECHO, EchoContract, EVENT, PAYLOAD } from './contracts';
import type { BenchServer, Call } from './harness';
import { ReferenceTelemetry } from './tracing';

const open: Array<{ close(): unknown }> = [];

/** Nest's own TCP client, no library. */
export async function rawClient(server: BenchServer): Promise<ClientProxy> {
  const proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: server.port } });
  await proxy.connect();
  open.push(proxy);
  return proxy;
}

/** A MessagingClient as MessagingModule builds one: a TCP ClientProxy with the library's serializer, default policy. */
export async function messagingClient(server: BenchServer, instrumentation?: MessagingInstrumentation[]): Promise<MessagingClient> {
  const proxy = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: server.port, serializer: new MessagingClientSerializer() },
  });
  await proxy.connect();
  open.push(proxy);
  return MessagingClient.wrap(proxy, `bench-${server.kind}`, undefined, instrumentation ? { instrumentation } : {});
}

/** A MessagingClient over the library's own TCP client (`tcp: { client: 'library' }`). */
export async function fastMessagingClient(server: BenchServer, instrumentation?: MessagingInstrumentation[]): Promise<MessagingClient> {
  const proxy = new MessagingTcpClient({ host: '127.0.0.1', port: server.port });
  await proxy.connect();
  open.push(proxy);
  return MessagingClient.wrap(proxy, `bench-fast-${server.kind}`, undefined, instrumentation ? { instrumentation } : {});
}

/** The library's TCP client used as a plain ClientProxy (`send()`), no MessagingClient. */
export async function fastRawClient(server: BenchServer): Promise<ClientProxy> {
  const proxy = new MessagingTcpClient({ host: '127.0.0.1', port: server.port });
  await proxy.connect();
  open.push(proxy);
  return proxy;
}

export async function closeClients(): Promise<void> {
  for (const c of open.splice(0)) await c.close();
}

export const rawSend = (proxy: ClientProxy): Call => () => lastValueFrom(proxy.send(ECHO, PAYLOAD));
export const rawEmit = (proxy: ClientProxy): Call => () => lastValueFrom(proxy.emit(EVENT, PAYLOAD), { defaultValue: undefined });
export const libRequest = (client: MessagingClient): Call => () => client.request(ECHO, PAYLOAD);
export const libContract = (client: MessagingClient): Call => () => client.request(EchoContract, PAYLOAD);
export const libEmit = (client: MessagingClient): Call => () => lastValueFrom(client.emit(EVENT, PAYLOAD), { defaultValue: undefined });

/** A raw ClientProxy call inside a CLIENT span and a duration record made with the SDK directly. */
export function referenceSend(proxy: ClientProxy): Call {
  const telemetry = new ReferenceTelemetry('client', JSON.stringify(ECHO));
  const send = rawSend(proxy);
  return () => telemetry.traced(send);
}
