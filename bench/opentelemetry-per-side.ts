/* Table (b2) of npm run bench: OpenTelemetry's cost on each side, measured against a plain peer (see bench/bench.ts). */
import { libRequest, messagingClient, rawClient, rawSend, referenceSend } from './clients';
import { median, printTable, requestCells, runRequests, signed, withRounds, type BenchServer, type Round } from './harness';
import type { ServerKind } from './servers/protocol';
import { benchInstrumentation } from './tracing';

/**
 * (b2) OpenTelemetry's cost on each side, measured against a plain, fast peer: in table (b) both sides of
 * rows 4 and 5 are traced, and the client's CPU per message moves with the server it calls (a traced server is
 * slower), which is not instrumentation work on the client. Here the client rows all
 * call the plain server, and the server rows all get the same client (MessagingClient, no instrumentation,
 * so the library's servers run their full pipeline in both rows).
 */
export async function openTelemetryPerSide(servers: Record<ServerKind, BenchServer>, lib: Awaited<ReturnType<typeof messagingClient>>): Promise<{ client: number; clientMinimal: number; server: number }> {
  const { plain, library, traced, reference } = servers;
  const raw = await rawClient(plain);
  const toPlain = await messagingClient(plain);
  const tracedToPlain = await messagingClient(plain, [benchInstrumentation()]);
  const toReference = await messagingClient(reference);
  const toTraced = await messagingClient(traced);
  const C = 16;
  console.log(`#### (b2) OpenTelemetry on each side against a plain peer, C=${C}\n`);
  const results = await runRequests(
    [
      { name: 'client side: raw ClientProxy -> plain server', call: rawSend(raw), server: plain },
      { name: 'client side: raw ClientProxy + SDK span & histogram -> plain server', call: referenceSend(raw), server: plain, baseline: 0 },
      { name: 'client side: MessagingClient -> plain server', call: libRequest(toPlain), server: plain, baseline: 0 },
      { name: 'client side: MessagingClient + OpenTelemetryInstrumentation -> plain server', call: libRequest(tracedToPlain), server: plain, baseline: 2 },
      { name: 'server side: MessagingClient -> plain server + SDK span & histogram', call: libRequest(toReference), server: reference, baseline: 2 },
      { name: 'server side: MessagingClient -> library server', call: libRequest(lib), server: library, baseline: 2 },
      { name: 'server side: MessagingClient -> library server + OpenTelemetryInstrumentation', call: libRequest(toTraced), server: traced, baseline: 5 },
      {
        name: "client side: raw ClientProxy + SDK span & histogram with the library's attributes and trace-context injection -> plain server",
        call: referenceSend(raw, 'library'),
        server: plain,
        baseline: 0,
      },
    ],
    C,
  );
  printTable(
    ['row', 'req/s', 'p50 µs', 'p99 µs', 'client CPU µs/msg', 'server CPU µs/msg', 'req/s ratio to its baseline: median (rounds)', 'baseline'],
    results.map((r, i) => [`${i}. ${r.row.name}`, ...requestCells(results, i), r.row.baseline === undefined ? '' : `row ${r.row.baseline}`]),
  );
  const diff = (f: (rowsOfRound: Round[]) => number): number[] => results[0]!.rounds.map((_, r) => f(results.map((x) => x.rounds[r]!)));
  const cell = (values: number[]): string => withRounds(values, (x) => `${signed(x)} µs`, (x) => signed(x));
  // The target: the library's client instrumentation beyond the SDK making the same telemetry (row 7).
  const client = diff((r) => r[3]!.clientCpu - r[2]!.clientCpu - (r[7]!.clientCpu - r[0]!.clientCpu));
  const clientMinimal = diff((r) => r[3]!.clientCpu - r[2]!.clientCpu - (r[1]!.clientCpu - r[0]!.clientCpu));
  const server = diff((r) => r[6]!.serverCpu - r[5]!.serverCpu - (r[4]!.serverCpu - r[2]!.serverCpu));
  printTable(
    ['OpenTelemetry, CPU per message: median of per-round differences (rounds)', 'value'],
    [
      ['client: library instrumentation, row 3 - row 2', cell(diff((r) => r[3]!.clientCpu - r[2]!.clientCpu))],
      ['client: SDK reference, row 1 - row 0', cell(diff((r) => r[1]!.clientCpu - r[0]!.clientCpu))],
      ['client: library instrumentation beyond the minimal SDK reference, (3 - 2) - (1 - 0)', cell(clientMinimal)],
      ["client: SDK reference with the library's attributes and injection, row 7 - row 0", cell(diff((r) => r[7]!.clientCpu - r[0]!.clientCpu))],
      ['client: library instrumentation beyond the SDK making the same telemetry, (3 - 2) - (7 - 0)', cell(client)],
      ['server: library instrumentation, row 6 - row 5', cell(diff((r) => r[6]!.serverCpu - r[5]!.serverCpu))],
      ['server: SDK reference, row 4 - row 2', cell(diff((r) => r[4]!.serverCpu - r[2]!.serverCpu))],
      ['server: library instrumentation beyond the SDK reference, (6 - 5) - (4 - 2)', cell(server)],
    ],
  );
  return { client: median(client), clientMinimal: median(clientMinimal), server: median(server) };
}

