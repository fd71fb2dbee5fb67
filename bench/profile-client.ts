/*
 * Profiling aid (not part of npm run bench): runs one client at concurrency 256 against the plain bench
 * server (bench/servers/main.ts) for a few seconds, so that `node --cpu-prof` shows where the client's time
 * goes per call.
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof -r ./scripts/register.cjs bench/profile-client.ts messaging|raw|fast|fast-raw
 *   (PROFILE_MS: how long, default 4000; PROFILE_CONCURRENCY: calls in flight, default 256)
 */
import 'reflect-metadata';
import { closeClients, fastMessagingClient, fastRawClient, libRequest, messagingClient, rawClient, rawSend } from './clients';
import { startServer } from './harness';

async function main(): Promise<void> {
  const which = (['raw', 'fast', 'fast-raw'] as const).find((w) => w === process.argv[2]) ?? 'messaging';
  const server = await startServer('plain');
  const call =
    which === 'raw'
      ? rawSend(await rawClient(server))
      : which === 'fast'
        ? libRequest(await fastMessagingClient(server))
        : which === 'fast-raw'
          ? rawSend(await fastRawClient(server))
          : libRequest(await messagingClient(server));
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
