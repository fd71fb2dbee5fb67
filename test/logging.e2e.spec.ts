import { Writable } from 'node:stream';
import type { AddressInfo, Server } from 'node:net';
import {
  Controller,
  Get,
  Logger,
  Module,
  type INestApplication,
  type ModuleMetadata,
  type NestApplicationOptions,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import {
  CorrelationIdLogger,
  getMessageContext,
  MessageHandler,
  MessagingClient,
  MessagingClientSerializer,
  MessagingHttpModule,
  messagingMicroservice,
  runWithMessageContext,
} from '../src';
import { nestMajor, waitFor } from './support/nest';

// #region pino-recipe
/** pino-http options of nestjs-pino's `LoggerModule.forRoot({ pinoHttp })`. */
const pinoHttp: PinoHttpOptions = {
  // every line, wherever it is written (HTTP request, message handler, job)
  mixin: () => {
    const correlationId = getMessageContext()?.correlationId;
    return correlationId ? { correlationId } : {};
  },
  // the "request completed" line, written after the request's context ended
  customProps: (_req, res) => ({ correlationId: res.getHeader('x-correlation-id') }),
};
// then: imports: [LoggerModule.forRoot({ pinoHttp }), MessagingHttpModule.forRoot(), ...]
// and, after NestFactory.create(AppModule, { bufferLogs: true }): app.useLogger(app.get(Logger)) (nestjs-pino's Logger)
// #endregion pino-recipe

/** Collects what is written to process.stdout and process.stderr while `fn` runs. */
async function captureOutput(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const grab = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(grab);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(grab);
  try {
    await fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}

class Self {
  static client: MessagingClient;
}

@Controller()
class Handlers {
  private readonly logger = new Logger('Handlers');

  @MessageHandler({ cmd: 'log' })
  log() {
    this.logger.log('in the handler');
    return 'logged';
  }

  @MessageHandler({ cmd: 'fail' })
  fail() {
    throw new Error('handler broke');
  }

  @Get('log')
  async http() {
    this.logger.log('in the controller');
    await Self.client.request({ cmd: 'log' }, {});
    await Self.client.request({ cmd: 'fail' }, {}).catch(() => undefined);
    return 'ok';
  }
}

/** A hybrid app: HTTP entry, and the TCP microservice it calls. */
async function startHybrid(
  imports: NonNullable<ModuleMetadata['imports']>,
  options: NestApplicationOptions,
  beforeListen?: (app: INestApplication) => void,
) {
  @Module({ imports, controllers: [Handlers] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, options);
  beforeListen?.(app);
  const strategy = messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
  app.connectMicroservice(strategy, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const port = ((strategy.strategy as unknown as { unwrap<T>(): T }).unwrap<Server>().address() as AddressInfo).port;
  Self.client = MessagingClient.wrap(
    ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port, serializer: new MessagingClientSerializer() },
    }),
    'self',
    { timeout: 3000 },
  );
  const { port: httpPort } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${httpPort}` };
}

async function stop(app: INestApplication | undefined) {
  await Self.client?.close();
  await Self.client?.proxy.close();
  await app?.close();
}

describe(`CorrelationIdLogger (Nest ${nestMajor})`, () => {
  it('adds the correlation id to text lines written in a message context, and leaves others alone', async () => {
    const logger = new CorrelationIdLogger('Jobs', { colors: false });
    const lines = await captureOutput(async () => {
      logger.log('outside');
      await runWithMessageContext({ correlationId: 'job-7' }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        logger.warn('inside');
      });
    });
    expect(lines.find((l) => l.includes('outside'))).not.toContain('correlationId');
    expect(lines.find((l) => l.includes('inside'))).toContain('[Jobs] [correlationId=job-7] inside');
  });

  it('puts it in a field of JSON lines: the controller, the handler and the library lines of one request', async () => {
    let app: INestApplication | undefined;
    const lines = await captureOutput(async () => {
      ({ app } = await startHybrid([MessagingHttpModule.forRoot()], { logger: new CorrelationIdLogger({ json: true }) }).then(
        async ({ app, base }) => {
          const res = await fetch(`${base}/log`, { headers: { 'x-correlation-id': 'logs-1' } });
          expect(res.status).toBe(200);
          return { app };
        },
      ));
      await stop(app);
    });
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = (text: string) => json.find((j) => String(j.message).includes(text));
    expect(line('in the controller')).toMatchObject({ correlationId: 'logs-1', context: 'Handlers' });
    expect(line('in the handler')).toMatchObject({ correlationId: 'logs-1' });
    // the library's own line (MessagingExceptionFilter) carries it in its text, and the logger adds the field
    const failure = line('handler broke')!;
    expect(failure).toMatchObject({ correlationId: 'logs-1', context: 'MessagingHandler' });
    expect(String(failure.message)).toContain('[correlationId=logs-1]');
  });
});

describe(`nestjs-pino recipe (Nest ${nestMajor})`, () => {
  it('every line of a request carries the correlation id: controller, handler, library, and pino-http request log', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const pinoLogging = LoggerModule.forRoot({ pinoHttp: [pinoHttp, stream] });
    const { app, base } = await startHybrid([pinoLogging, MessagingHttpModule.forRoot()], { bufferLogs: true }, (a) =>
      a.useLogger(a.get(PinoNestLogger)),
    );
    try {
      const res = await fetch(`${base}/log`, { headers: { 'x-correlation-id': 'pino-1' } });
      expect(res.status).toBe(200);
      await waitFor(() => lines.some((l) => l.msg === 'request completed'), 5000, 'the request log');
    } finally {
      await stop(app);
    }
    const line = (text: string) => lines.find((l) => String(l.msg).includes(text));
    expect(line('in the controller')).toMatchObject({ correlationId: 'pino-1' });
    expect(line('in the handler')).toMatchObject({ correlationId: 'pino-1' });
    expect(line('handler broke')).toMatchObject({ correlationId: 'pino-1' });
    expect(line('request completed')).toMatchObject({ correlationId: 'pino-1' });
  });
});
