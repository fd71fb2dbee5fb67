/*
 * (e) The library's TCP transport (issue 12, part 2): MessagingTcpClient and the library's TCP server
 * against Nest's ClientTCP / ServerTCP and against a raw `net` client and server with the same framing
 * (bench/raw-net.ts), at concurrency 16 and 256, and events. Every row's server is a separate process.
 * The last rows (not a target) show what a per-message AsyncLocalStorage context costs Nest's own server on this
 * Node version: the library's server keeps one for every message (its correlation id, budget and abort signal).
 */
import { lastValueFrom } from 'rxjs';
import { libraryTcpClient, libRequest, messagingClient, rawClient, rawEmit, rawNetSend, rawSend } from './clients';
import { EVENT, PAYLOAD } from './contracts';
import { EVENTS_IN_FLIGHT, EVENTS_PER_ROUND, fmt, median, pct, percentile, perRound, printTable, ratioCell, runEvents, runRequests, verdict, type BenchServer, type Call, type RowResult } from './harness';
import type { ServerKind } from './servers/protocol';

const cpu = (r: RowResult, side: 'clientCpu' | 'serverCpu'): string => fmt(median(r.rounds.map((x) => x[side])), 1);
const ratio = (results: RowResult[], i: number, pick: (r: RowResult['rounds'][number]) => number = (r) => r.rate): number =>
  median(perRound(results, i, (m, b) => pick(m) / pick(b)));

export async function tcpTransportTable(servers: Record<ServerKind, BenchServer>): Promise<void> {
  const { plain, library } = servers;
  const plainContext = servers['plain-context'];
  const rawNet = servers['raw-net'];
  const nest = await rawClient(plain);
  const ours = await libraryTcpClient(plain);
  const oursToContext = await libraryTcpClient(plainContext);
  const oursToLibrary = await libraryTcpClient(library);
  const lib = await messagingClient(library);
  const reference = await rawNetSend(rawNet);
  const major = plain.nest;
  console.log("#### (e) The library's TCP transport: MessagingTcpClient and the library's TCP server, against Nest's and a raw socket\n");
  const rows: string[][] = [];
  const targets: string[] = [];
  for (const c of [16, 256]) {
    const results = await runRequests(
      [
        { name: 'Nest ClientTCP.send -> Nest ServerTCP, @MessagePattern', call: rawSend(nest), server: plain, baseline: 2 },
        { name: 'MessagingTcpClient.send -> Nest ServerTCP, @MessagePattern', call: rawSend(ours), server: plain, baseline: 0 },
        { name: 'raw net client -> raw net server, same framing (reference)', call: reference, server: rawNet },
        { name: "MessagingTcpClient.send -> library server, @MessageHandler", call: rawSend(oursToLibrary), server: library, baseline: 2 },
        { name: 'MessagingClient.request -> library server, @MessageHandler (the whole library)', call: libRequest(lib), server: library, baseline: 2 },
        { name: 'MessagingTcpClient.send -> Nest ServerTCP with an AsyncLocalStorage context per message', call: rawSend(oursToContext), server: plainContext, baseline: 1 },
      ],
      c,
    );
    results.forEach((r, i) =>
      rows.push([
        String(c),
        `${i}. ${r.row.name}`,
        fmt(median(r.rounds.map((x) => x.rate))),
        fmt(percentile(r.latencies, 50), 1),
        fmt(percentile(r.latencies, 99), 1),
        cpu(r, 'clientCpu'),
        cpu(r, 'serverCpu'),
        r.row.baseline === undefined ? 'reference' : `${ratioCell(results, i)} of row ${r.row.baseline}`,
      ]),
    );
    if (c === 256) {
      const client = ratio(results, 1);
      const both = ratio(results, 3);
      targets.push(`MessagingTcpClient -> Nest ServerTCP >= 1.2x Nest's client at C=256: ${fmt(client, 2)}x ${verdict(client >= 1.2)}`);
      targets.push(`MessagingTcpClient -> library server >= 80% of the raw socket at C=256: ${pct(both)} ${verdict(both >= 0.8)} (Nest: ${pct(ratio(results, 0))})`);
    } else {
      const p99Nest = percentile(results[0]!.latencies, 99);
      const p99Ours = percentile(results[3]!.latencies, 99);
      targets.push(`p99 at C=16, library client and server ${fmt(p99Ours, 1)} µs vs Nest's ${fmt(p99Nest, 1)} µs ${verdict(p99Ours <= p99Nest)}`);
    }
  }
  printTable(['C', 'row', 'req/s', 'p50 µs', 'p99 µs', 'client CPU µs/msg', 'server CPU µs/msg', 'req/s ratio: median (rounds)'], rows, 2);

  const emitOurs = (client: typeof ours): Call => () => lastValueFrom(client.emit(EVENT, PAYLOAD), { defaultValue: undefined });
  const events = await runEvents([
    { name: 'Nest ClientTCP.emit -> Nest ServerTCP, @EventPattern', call: rawEmit(nest), server: plain },
    { name: 'MessagingTcpClient.emit -> Nest ServerTCP, @EventPattern', call: emitOurs(ours), server: plain, baseline: 0 },
    { name: 'MessagingTcpClient.emit -> library server, @EventHandler', call: emitOurs(oursToLibrary), server: library, baseline: 0 },
    { name: 'MessagingTcpClient.emit -> Nest ServerTCP with an AsyncLocalStorage context per message', call: emitOurs(oursToContext), server: plainContext, baseline: 1 },
  ]);
  printTable(
    [`events: ${fmt(EVENTS_PER_ROUND)} per round, ${EVENTS_IN_FLIGHT} in flight`, 'events/s handled by the server', 'client CPU µs/event', 'server CPU µs/event', 'handled events/s ratio: median (rounds)'],
    events.map((r, i) => [
      `${i}. ${r.row.name}`,
      fmt(median(r.rounds.map((x) => x.rate))),
      cpu(r, 'clientCpu'),
      cpu(r, 'serverCpu'),
      r.row.baseline === undefined ? 'baseline' : `${ratioCell(events, i)} of row ${r.row.baseline}`,
    ]),
  );
  const eventRatio = ratio(events, 2);
  targets.push(`events/s, library client and server >= 2x Nest's: ${fmt(eventRatio, 2)}x ${verdict(eventRatio >= 2)}`);
  console.log(`Targets (e), Nest ${major}: ${targets.join('; ')}.\n`);
}
