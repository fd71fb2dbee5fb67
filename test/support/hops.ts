import type { AddressInfo } from 'node:net';
import { Controller, Get, Inject, Module, NotFoundException, Param, type INestApplication, type INestMicroservice, type LoggerService } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { Payload, RpcException, Transport } from '@nestjs/microservices';
import { IsInt, IsString, Length } from 'class-validator';
import {
  defineMessage,
  getMessageContext,
  InjectMessagingClient,
  MessageHandler,
  MessagingClient,
  MessagingHttpExceptionFilter,
  MessagingHttpModule,
  MessagingModule,
  messagingMicroservice,
  type CallPolicy,
  type RetryEvent,
} from '../../src';
import { freePort } from './transports';

/**
 * Three hops: an HTTP edge (MessagingHttpModule + MessagingHttpExceptionFilter)
 * -> service A (a library TCP server) -> service B (another). A calls B with
 * its own MessagingClient; the names below are what must NOT cross a hop.
 * Used by test/hops.e2e.spec.ts and test/faults/hops.faults.ts.
 */
export const INTERNAL_NAMES = {
  /** A's client to B. */
  client: 'inventory-internal',
  /** A's client to a B that is down. */
  downClient: 'inventory-replica-internal',
  /** B's patterns carry this. */
  pattern: 'inventory-b',
  /** Fields of B's DTOs. */
  fields: ['internalSkuRef', 'warehouseBinCode'],
};

/** What B answers for NOT_FOUND: its own, caller-facing message. */
export const B_NOT_FOUND_MESSAGE = 'item abc-404 is not in the catalogue';

class StockQueryV1 {
  @IsString() @Length(3, 40) internalSkuRef!: string;
}

class StockDto {
  @IsInt() onHand!: number;
  @IsString() warehouseBinCode!: string;
}

/** B's contract. */
export const InventoryStock = defineMessage({
  pattern: { svc: INTERNAL_NAMES.pattern, cmd: 'stock' },
  versions: { 1: StockQueryV1 },
  response: StockDto,
});

/** The scenarios: what A does with B, by the case the edge's route names. */
export const HOP_CASES = ['found', 'not-found', 'invalid', 'bad-reply', 'refused-payload', 'down', 'slow'] as const;
/** A control: A itself answers a retryable UNAVAILABLE, which the edge's client does retry. */
export type HopCase = (typeof HOP_CASES)[number] | 'a-overloaded';

/** Attempts and runs, per hop. */
export class HopCounters {
  /** Runs of A's handler, by case. */
  readonly aRuns = new Map<string, number>();
  /** Runs of B's handler. */
  bRuns = 0;
  /** onRetry calls of the edge's client (edge -> A). */
  edgeRetries = 0;
  /** onRetry calls of A's clients (A -> B). */
  aRetries = 0;
  /** onGiveUp events of A's clients: the attempt that failed last. */
  readonly aGaveUp: RetryEvent[] = [];

  reset(): void {
    this.aRuns.clear();
    this.bRuns = 0;
    this.edgeRetries = 0;
    this.aRetries = 0;
    this.aGaveUp.length = 0;
  }
}

const COUNTERS = Symbol('HopCounters');
const RETRIES = { maxAttempts: 3, baseDelay: 5, maxDelay: 10 };
/** Waits `ms`, or less when the message's signal aborts (its deadline passed): no timer outlives the handler. */
function delay(ms: number): Promise<void> {
  const signal = getMessageContext()?.signal;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

@Controller()
class ServiceB {
  constructor(@Inject(COUNTERS) private readonly counters: HopCounters) {}

  @MessageHandler(InventoryStock)
  async stock(@Payload() dto: StockQueryV1): Promise<StockDto | { onHand: number }> {
    this.counters.bRuns++;
    if (dto.internalSkuRef === 'abc-404') throw new NotFoundException(B_NOT_FOUND_MESSAGE);
    if (dto.internalSkuRef === 'bad-reply') return { onHand: 3 }; // breaks StockDto: no warehouseBinCode
    if (dto.internalSkuRef === 'slow') await delay(1500);
    return { onHand: 7, warehouseBinCode: 'A-1' };
  }
}

@Controller()
class ServiceA {
  constructor(
    @Inject(COUNTERS) private readonly counters: HopCounters,
    @InjectMessagingClient(INTERNAL_NAMES.client) private readonly inventory: MessagingClient,
    @InjectMessagingClient(INTERNAL_NAMES.downClient) private readonly replica: MessagingClient,
  ) {}

  @MessageHandler({ cmd: 'check-order' })
  check(@Payload() data: { case: HopCase }): Promise<unknown> {
    return this.run(data.case);
  }

  /** The same, with exposeErrors: the original failure goes into details.downstream. */
  @MessageHandler({ cmd: 'check-order-exposed' }, { exposeErrors: true })
  checkExposed(@Payload() data: { case: HopCase }): Promise<unknown> {
    return this.run(data.case);
  }

  private run(kind: HopCase): Promise<unknown> {
    this.counters.aRuns.set(kind, (this.counters.aRuns.get(kind) ?? 0) + 1);
    switch (kind) {
      case 'found':
        return this.inventory.request(InventoryStock, { internalSkuRef: 'abc-123' });
      case 'not-found':
        return this.inventory.request(InventoryStock, { internalSkuRef: 'abc-404' });
      case 'invalid':
        // our own bug: a payload that breaks B's contract, sent without client-side validation
        return this.inventory.request(InventoryStock.pattern, { sku: 'abc-123' });
      case 'bad-reply':
        return this.inventory.request(InventoryStock, { internalSkuRef: 'bad-reply' }, { validateResponses: true });
      case 'refused-payload':
        return this.inventory.request(InventoryStock, { internalSkuRef: 'x' }, { validatePayloads: true });
      case 'down':
        return this.replica.request(InventoryStock, { internalSkuRef: 'abc-123' });
      case 'slow':
        return this.inventory.request(InventoryStock, { internalSkuRef: 'slow' }, { timeout: 300 });
      case 'a-overloaded':
        return Promise.reject(new RpcException({ code: 'UNAVAILABLE', message: 'service A is overloaded', retryable: true }));
    }
  }
}

@Controller()
class EdgeController {
  constructor(@InjectMessagingClient('orders-a') private readonly orders: MessagingClient) {}

  @Get('orders/:case')
  check(@Param('case') kind: string): Promise<unknown> {
    return this.orders.request({ cmd: 'check-order' }, { case: kind });
  }
}

/** A running three-hop topology. */
export interface Hops {
  /** http://127.0.0.1:port of the edge. */
  edge: string;
  aPort: number;
  bPort: number;
  /** Where the B that is down would listen (nothing does). */
  deadPort: number;
  counters: HopCounters;
  close(): Promise<void>;
}

async function microservice(module: new () => unknown, port: number, logger: LoggerService): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, {
    ...messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port } }),
    logger,
  });
  await app.listen();
  return app;
}

/**
 * Starts B, A and the edge. Every app gets `logger` (Nest makes it the
 * process's static logger: give the same instance to all of them).
 */
export async function startHops(logger: LoggerService): Promise<Hops> {
  const counters = new HopCounters();
  const counted = { provide: COUNTERS, useValue: counters };
  const apps: Array<INestMicroservice | INestApplication> = [];
  const close = async () => {
    for (const app of apps.reverse()) await app.close();
  };
  try {
    const [bPort, aPort, deadPort] = [await freePort(), await freePort(), await freePort()];

    @Module({ controllers: [ServiceB], providers: [counted] })
    class ModuleB {}
    apps.push(await microservice(ModuleB, bPort, logger));

    const aPolicy: CallPolicy = {
      timeout: 3000,
      idempotent: true,
      retry: RETRIES,
      onRetry: () => void counters.aRetries++,
      onGiveUp: (e) => void counters.aGaveUp.push(e),
    };
    @Module({
      imports: [
        MessagingModule.forRoot({
          clients: [
            { name: INTERNAL_NAMES.client, transport: Transport.TCP, options: { host: '127.0.0.1', port: bPort }, policy: aPolicy },
            { name: INTERNAL_NAMES.downClient, transport: Transport.TCP, options: { host: '127.0.0.1', port: deadPort }, policy: aPolicy },
          ],
        }),
      ],
      controllers: [ServiceA],
      providers: [counted],
    })
    class ModuleA {}
    apps.push(await microservice(ModuleA, aPort, logger));

    @Module({
      imports: [
        MessagingHttpModule.forRoot(),
        MessagingModule.forRoot({
          clients: [
            {
              name: 'orders-a',
              transport: Transport.TCP,
              options: { host: '127.0.0.1', port: aPort },
              policy: { timeout: 5000, idempotent: true, retry: RETRIES, onRetry: () => void counters.edgeRetries++ },
            },
          ],
        }),
      ],
      controllers: [EdgeController],
    })
    class EdgeModule {}
    const edge = await NestFactory.create(EdgeModule, { logger });
    edge.useGlobalFilters(new MessagingHttpExceptionFilter(edge.get(HttpAdapterHost)));
    await edge.listen(0, '127.0.0.1');
    apps.push(edge);
    const { port } = edge.getHttpServer().address() as AddressInfo;
    return { edge: `http://127.0.0.1:${port}`, aPort, bPort, deadPort, counters, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The internal names found in `text` (client names, B's pattern, DTO field
 * names, a host, a port, a transport error): none may cross a hop.
 */
export function leaksIn(text: string, hops: Pick<Hops, 'bPort' | 'deadPort'>): string[] {
  const needles = [
    INTERNAL_NAMES.client,
    INTERNAL_NAMES.downClient,
    INTERNAL_NAMES.pattern,
    ...INTERNAL_NAMES.fields,
    '127.0.0.1',
    'localhost',
    String(hops.bPort),
    String(hops.deadPort),
    'ECONNREFUSED',
    'on client',
    'remote error',
  ];
  return needles.filter((n) => text.includes(n));
}
