/*
 * Profiling aid (not part of npm run bench): runs one client at concurrency 256 against the plain bench
 * server (bench/servers/main.ts) for a few seconds, so that `node --cpu-prof` shows where the client's time
 * goes per call.
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof -r ./scripts/register.cjs bench/profile-client.ts messaging|raw|library-tcp|messaging-nest
 *   (messaging: a MessagingClient as the module builds it, over MessagingTcpClient; messaging-nest: over Nest's ClientTCP;
 *   library-tcp: MessagingTcpClient.send without MessagingClient; messaging-otel: with OpenTelemetryInstrumentation;
 *   raw-otel: a raw ClientProxy call in an SDK span with a histogram record, the reference;
 *   contract: MessagingClient with the 4-field class-validator contract, for PROFILE_SERVER=library;
 *   library-tcp-emit / messaging-emit: events, MessagingTcpClient.emit / MessagingClient.emit)
 *   raw-net: the raw-socket reference client of bench/raw-net.ts)
 *   (PROFILE_MS: how long, default 4000; PROFILE_CONCURRENCY: calls in flight, default 256;
 *   PROFILE_SERVER=library: the library's server; PROFILE_SERVER=raw-net: the raw-socket reference server)
 */
import 'reflect-metadata';
import { closeClients, libContract, libEmit, libraryTcpClient, libRequest, messagingClient, nestMessagingClient, rawClient, rawEmit, rawNetSend, rawSend, referenceSend } from './clients';
import { benchInstrumentation } from './tracing';
import { startServer, type Call } from './harness';

async function main(): Promise<void> {
  const which =
    (['raw', 'raw-net', 'library-tcp', 'messaging-nest', 'messaging-otel', 'raw-otel', 'contract', 'library-tcp-emit', 'messaging-emit'] as const).find(
      (w) => w === process.argv[2],
    ) ?? 'messaging';
  const kind = process.env.PROFILE_SERVER;
  const server = await startServer(kind === 'library' || kind === 'raw-net' ? kind : 'plain');
  const clients: Record<typeof which, () => Promise<Call>> = {
    raw: async () => rawSend(await rawClient(server)),
    'raw-net': () => rawNetSend(server),
    'library-tcp': async () => rawSend(await libraryTcpClient(server)),
    'messaging-nest': async () => libRequest(await nestMessagingClient(server)),
    'messaging-otel': async () => libRequest(await messagingClient(server, [benchInstrumentation()])),
    'raw-otel': async () => referenceSend(await rawClient(server)),
    contract: async () => libContract(await messagingClient(server)),
    'library-tcp-emit': async () => rawEmit(await libraryTcpClient(server)),
    'messaging-emit': async () => libEmit(await messagingClient(server)),
    messaging: async () => libRequest(await messagingClient(server)),
  };
  const call = await clients[which]();
  const end = performance.now() + Number(process.env.PROFILE_MS ?? 4000);
  let ops = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: Number(process.env.PROFILE_CONCURRENCY ?? 256) }, async () => {
      while (performance.now() < end) {
        await call();
        ops++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  console.log(`${which}: ${ops} calls, client CPU ${((cpu.user + cpu.system) / ops).toFixed(1)} µs/call`);
  await closeClients();
  await server.stop();
}

void main();
