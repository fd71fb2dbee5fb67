import { join } from 'node:path';
import { Controller, Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { IsString, MinLength } from 'class-validator';
import { lastValueFrom, type Observable } from 'rxjs';
import { defineMessage, getMessageContext, InjectMessagingClient, messagingMicroservice, MessagingModule, runWithMessageContext, timeLeft } from 'nestjs-messaging';
import { GrpcHandler, MessagingGrpcClient, type MessagingServerGrpc } from 'nestjs-messaging/grpc';
import { nestMajor } from './support/nest';

/** The gRPC snippets of docs/transports.md (`<!-- snippet: test/grpc-readme.e2e.spec.ts#... -->`), run. */
const protoPath = join(__dirname, 'fixtures/grpc/echo.proto');

// #region grpc-server
class SayRequest {
  @IsString() @MinLength(1) text!: string;
}
const Say = defineMessage({ pattern: 'messaging.test.Echo/Say', versions: { 1: SayRequest } });

@Controller()
class EchoGrpc {
  // Nest's @GrpcMethod, in the library's pipeline: validated request, message context, deadline, AbortSignal.
  @GrpcHandler('Echo', 'Say', { contract: Say })
  say(request: SayRequest) {
    return { text: request.text, correlationId: getMessageContext()?.correlationId, timeLeftMs: timeLeft() };
  }
}

async function startServer(url: string) {
  @Module({ controllers: [EchoGrpc] })
  class EchoModule {}
  const server = await NestFactory.createMicroservice(
    EchoModule,
    messagingMicroservice({ transport: Transport.GRPC, options: { package: 'messaging.test', protoPath, url } }),
  );
  await server.listen();
  return server;
}
// #endregion grpc-server

interface EchoReply {
  text: string;
  correlationId: string;
  timeLeftMs: number;
}

// #region grpc-client
interface EchoService {
  say(request: { text: string }): Observable<EchoReply>;
}

@Injectable()
class Greeter {
  constructor(@InjectMessagingClient('echo') private readonly grpc: MessagingGrpcClient) {}

  greet(text: string): Promise<EchoReply> {
    const echo = this.grpc.getService<EchoService>('Echo');
    // gRPC metadata carries the ids; the 2 s budget becomes the call's deadline; UNAVAILABLE is retried.
    return lastValueFrom(echo.say({ text }, { timeout: 2000, idempotent: true }));
  }
}

function clientModule(url: string) {
  return MessagingModule.forRoot({
    clients: [{ name: 'echo', transport: Transport.GRPC, options: { package: 'messaging.test', protoPath, url } }],
  });
}
// #endregion grpc-client

describe(`docs/transports.md gRPC snippets (Nest ${nestMajor})`, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('run as written', async () => {
    const server = await startServer('127.0.0.1:0');
    const port = (server as unknown as { serverInstance: MessagingServerGrpc }).serverInstance.port!;
    const app = await Test.createTestingModule({ imports: [clientModule(`127.0.0.1:${port}`)], providers: [Greeter] }).compile();
    try {
      const reply = await runWithMessageContext({ correlationId: 'readme-grpc' }, () => app.get(Greeter).greet('hello'));
      expect(reply).toMatchObject({ text: 'hello', correlationId: 'readme-grpc' });
      expect(reply.timeLeftMs).toBeGreaterThan(1000);
      const invalid = await app.get(Greeter).greet('').catch((e: unknown) => e);
      expect(invalid).toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await app.close();
      await server.close();
    }
  });
});
