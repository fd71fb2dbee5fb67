/*
 * (d) of `npm run bench`: a unary gRPC call, MessagingGrpcClient against Nest's raw ClientGrpc, at C=16.
 * Row 1 against row 0 is the client alone (both call Nest's own gRPC server, a plain @GrpcMethod echo):
 * the target is >= 90% of raw ClientGrpc's req/s. Row 2 adds the library's server (@GrpcHandler in the
 * inbound pipeline). Both clients use their own ClientGrpc (one channel each) and `lastValueFrom` on the
 * Observable a service method returns; the library's calls get the default policy (a 5 s budget: a gRPC deadline).
 */
import { ClientProxyFactory, type ClientGrpcProxy } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { MessagingGrpcClient } from 'nestjs-messaging/grpc';
import { fmt, median, pct, percentile, perRound, printTable, ratioCell, runRequests, verdict, type BenchServer, type Call, type RowResult } from './harness';
import { grpcOptions } from './servers/grpc';

const REQUEST = { text: 'Sample User <user@example.com> admin,math' };

interface EchoService {
  say(request: typeof REQUEST): Observable<unknown>;
}

const open: ClientGrpcProxy[] = [];

function grpcClient(server: BenchServer): ClientGrpcProxy {
  const client = ClientProxyFactory.create(grpcOptions(`127.0.0.1:${server.port}`)) as unknown as ClientGrpcProxy;
  open.push(client);
  return client;
}

const rawSay = (server: BenchServer): Call => {
  const echo = grpcClient(server).getService<EchoService>('Echo');
  return () => lastValueFrom(echo.say(REQUEST));
};

const libSay = (server: BenchServer): Call => {
  const echo = MessagingGrpcClient.wrap(grpcClient(server), `bench-${server.kind}`).getService<EchoService>('Echo');
  return () => lastValueFrom(echo.say(REQUEST));
};

export async function grpcUnary(plain: BenchServer, library: BenchServer, nestMajor: number): Promise<void> {
  const C = 16;
  console.log(`#### (d) gRPC unary, C=${C}: MessagingGrpcClient against Nest's ClientGrpc\n`);
  const rows = [
    { name: "raw ClientGrpc -> Nest's ServerGrpc, @GrpcMethod", call: rawSay(plain), server: plain },
    { name: "MessagingGrpcClient -> Nest's ServerGrpc, @GrpcMethod (the client alone)", call: libSay(plain), server: plain, baseline: 0 },
    { name: 'MessagingGrpcClient -> library gRPC server, @GrpcHandler', call: libSay(library), server: library, baseline: 0 },
  ];
  // connect the channels before the warm-up
  for (const row of rows) await row.call();
  const results: RowResult[] = await runRequests(rows, C);
  printTable(
    ['row', 'req/s', 'p50 µs', 'p99 µs', 'client CPU µs/msg', 'server CPU µs/msg', 'req/s ratio to row 0: median (rounds)'],
    results.map((r, i) => [
      `${i}. ${r.row.name}`,
      fmt(median(r.rounds.map((x) => x.rate))),
      fmt(percentile(r.latencies, 50), 1),
      fmt(percentile(r.latencies, 99), 1),
      fmt(median(r.rounds.map((x) => x.clientCpu)), 1),
      fmt(median(r.rounds.map((x) => x.serverCpu)), 1),
      ratioCell(results, i),
    ]),
  );
  const client = median(perRound(results, 1, (m, b) => m.rate / b.rate));
  const whole = median(perRound(results, 2, (m, b) => m.rate / b.rate));
  console.log(
    `Targets (d), Nest ${nestMajor}: MessagingGrpcClient >= 90% of raw ClientGrpc's req/s at C=${C}: ${pct(client)} ${verdict(client >= 0.9)}; ` +
      `with the library's server: ${pct(whole)} (no target).\n`,
  );
  for (const c of open.splice(0)) c.close();
}
