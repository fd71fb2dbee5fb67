import { Controller, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Parser } from '@asyncapi/parser';
import { EventHandler, MessageHandler, MessagingModule } from '../../src';
import { generateAsyncApi, type AsyncApiDocument } from '../../src/asyncapi';
import { DocumentOnlyServer } from '../../src/cli/document-only-server';
import { type AnyContract, type ClientContract } from '../../src/extend';

/** One diagnostic of @asyncapi/parser, as the tests print it. */
export interface Diagnostic {
  severity: number;
  code: string;
  message: string;
  path: string;
}

/**
 * Validates a document (an object, or JSON/YAML text) with @asyncapi/parser
 * and returns every diagnostic but the one we explain: the parser's
 * information that AsyncAPI 3.1.0 exists (the document is 3.0.0, as asked).
 */
export async function unexplainedDiagnostics(doc: AsyncApiDocument | string): Promise<Diagnostic[]> {
  const { document, diagnostics } = await new Parser().parse(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const all = diagnostics.map((d) => ({ severity: d.severity, code: String(d.code), message: d.message, path: d.path.join('/') }));
  if (!document) return all.length ? all : [{ severity: 0, code: 'no-document', message: 'the parser made no document', path: '' }];
  return all.filter((d) => !(d.code === 'asyncapi-latest-version' && d.severity === 2));
}

/**
 * The AsyncAPI document of an app whose handlers take `receive` (one handler
 * per contract) and whose one client, 'caller', sends `send`; booted as the
 * CLI boots an app (a server that never listens).
 */
export async function documentOf(receive: readonly AnyContract[], send: readonly ClientContract[] = []): Promise<AsyncApiDocument> {
  class Handlers {}
  receive.forEach((contract, i) => {
    const key = `handle${i}`;
    const descriptor: PropertyDescriptor = { value: function handle() {}, writable: true, configurable: true };
    Object.defineProperty(Handlers.prototype, key, descriptor);
    (contract.kind === 'message' ? MessageHandler(contract) : EventHandler(contract))(Handlers.prototype, key, descriptor);
  });
  Controller()(Handlers);
  @Module({
    imports: [MessagingModule.forRoot({ clients: [{ name: 'caller', transport: 0, options: { port: 4999 }, contracts: [...send] }] })],
    controllers: [Handlers as Type<unknown>],
  })
  class DiffApp {}
  const app = await NestFactory.createMicroservice(DiffApp, { strategy: new DocumentOnlyServer(), logger: false });
  try {
    return await generateAsyncApi(app, { info: { title: 'diff', version: '1.0.0' } });
  } finally {
    await app.close();
  }
}
