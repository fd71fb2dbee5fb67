import { Logger } from '@nestjs/common';
import { throwError, type Observer } from 'rxjs';
import type { InboundMessage } from '../context/message-context';
import { decodePayloadNow } from '../contract/contract-codec';
import { ContractViolationError, UnsupportedVersionError } from '../contract/contract.errors';
import { MessagingErrorCode } from '../errors/error-codes';
import { MessagingError, type MessagingErrorFields } from '../errors/messaging.errors';
import { toWireError } from '../errors/wire-error';
import type { HandlerRoute } from '../handler/handler-route';
import { Dedupe } from '../handler/dedupe';
import type { Carrier } from '../wire/carriers';
import type { MessageMetadata } from '../wire/message-metadata';
import { MetadataKeys } from '../wire/metadata-keys';
import { checkPayloadSize } from '../wire/payload-size';

/**
 * A handler as Nest registers it with a server: `(data, context)` (gRPC adds
 * the call: `(request, metadata, call)`), plus the chain of event handlers
 * for one pattern.
 */
export type NestHandler = ((data: unknown, context: unknown, call?: unknown) => unknown) & { next?: NestHandler };

/** Returned by the checks for an event to drop (acknowledged, not handled). @internal */
export const DROPPED = Symbol('dropped');

/**
 * The steps of the inbound pipeline around a handler: the checks and the
 * decoding before it, and what becomes of a message they refuse.
 * @internal
 */
export class InboundSteps {
  readonly logger = new Logger('MessagingServer');
  private readonly dedupe = new Dedupe(this.logger);

  constructor(
    /** How metadata rides on the transport (to re-read a malformed field for its error). */
    private readonly carrier: Carrier,
    /** Whether the transport can dead-letter an event the pipeline refused (RabbitMQ with a dead-letter queue). */
    private readonly deadLetters: boolean,
  ) {}

  /**
   * The checks and decoding before the handler: the payload to hand to it,
   * or DROPPED; throws (or rejects with) the error that refuses the message.
   * Synchronous unless the route dedupes or a contract's decoding is asynchronous.
   */
  prepare(route: HandlerRoute, message: InboundMessage, data: unknown, claim: (key: string) => void): unknown {
    const metadata = message.message!;
    if (message.deadline !== undefined && performance.now() >= message.deadline) throw expired(message, route);
    if (!route.guarded) return data;
    const fields = fieldsOf(route, metadata);
    const contract = route.contract;
    if (contract?.kind === 'event' && contract.ttl !== undefined && metadata.sentAt !== undefined) {
      const age = Date.now() - metadata.sentAt;
      if (age > contract.ttl) {
        this.logger.warn(
          `dropped event ${route.destination}: ${age} ms old, past its contract's ttl of ${contract.ttl} ms ${ids(metadata)}`,
        );
        return DROPPED;
      }
    }
    const tooLarge = checkPayloadSize(data, route.maxPayloadSize, 'handler', fields);
    if (tooLarge) throw tooLarge;
    return this.claimAndDecode(route, message, data, claim);
  }

  private claimAndDecode(route: HandlerRoute, message: InboundMessage, data: unknown, claim: (key: string) => void): unknown {
    return route.dedupe ? this.claimThenDecode(route, message, data, claim) : this.decode(route, message, data);
  }

  private async claimThenDecode(route: HandlerRoute, message: InboundMessage, data: unknown, claim: (key: string) => void): Promise<unknown> {
    const metadata = message.message!;
    const key = `${route.name}:${metadata.messageId}`;
    const claimed = await this.dedupe.claim(route.dedupe!, key, ids(metadata));
    if (claimed === 'duplicate') {
      this.logger.log(`dropped a duplicate of event message ${metadata.messageId} ${ids(metadata)} (${route.name})`);
      return DROPPED;
    }
    if (claimed === 'first') claim(key);
    return this.decode(route, message, data);
  }

  /**
   * The contract's payload: synchronous when its decoding is (a compiled plan):
   * no promise, so none of the async context's promise hooks, per message.
   */
  private decode(route: HandlerRoute, message: InboundMessage, data: unknown): unknown {
    const contract = route.contract;
    if (!contract) return data;
    const metadata = message.message!;
    const fields = fieldsOf(route, metadata);
    if (Number.isNaN(metadata.payloadVersion)) {
      const raw = (this.carrier.read(message.context, message.packetField) as Record<string, unknown> | undefined)?.[MetadataKeys.payloadVersion];
      throw new UnsupportedVersionError(`${JSON.stringify(String(raw)).slice(0, 40)} (not a whole number from 1)`, contract.supportedVersions, fields);
    }
    const dto = decodePayloadNow(contract, data, metadata.payloadVersion, { unknownProperties: route.unknownProperties }, fields);
    if (dto instanceof Promise) return dto.then((value) => this.inTime(message, route, value));
    return this.inTime(message, route, dto);
  }

  /** `dto`, unless the request's deadline passed while it was decoded. */
  private inTime(message: InboundMessage, route: HandlerRoute, dto: unknown): unknown {
    if (message.deadline !== undefined && performance.now() >= message.deadline) throw expired(message, route);
    return dto;
  }

  /**
   * A message the pipeline refused before its handler. A request is answered
   * with the wire error. An event is logged once; an invalid one is also
   * dead-lettered where the transport can (the strategy sees the error), else dropped.
   */
  refused(route: HandlerRoute, metadata: MessageMetadata, err: unknown, subscriber: Observer<unknown> | undefined): unknown {
    if (route.kind === 'request') {
      const wire = toWireError(err, { pattern: route.destination, correlationId: metadata.correlationId, exposeErrors: route.exposeErrors });
      if (wire.unexpected) this.logger.error(`the pipeline of ${route.destination} failed ${ids(metadata)}: ${describe(err)}`);
      if (!subscriber) return throwError(() => wire.payload);
      subscriber.error(wire.payload);
      return undefined;
    }
    const invalid = err instanceof ContractViolationError || err instanceof UnsupportedVersionError;
    const deadLetter = invalid && route.invalidEvents === 'dead-letter' && this.deadLetters;
    if (invalid) {
      this.logger.warn(
        `invalid event ${route.destination} ${deadLetter ? 'dead-lettered' : 'dropped'} ${ids(metadata)}: ${issuesOf(err)}`,
      );
    } else {
      this.logger.warn(`event ${route.destination} dropped ${ids(metadata)}: ${describe(err)}`);
    }
    if (subscriber) {
      if (deadLetter) subscriber.error(err);
      else subscriber.complete();
    }
    return undefined;
  }

  /** The handler of a claimed event ended: done for the window, or released for a redelivery. */
  settled(route: HandlerRoute, key: string, failed: boolean): void {
    if (!route.dedupe) return;
    if (failed) this.dedupe.release(route.dedupe, key);
    else this.dedupe.complete(route.dedupe, key);
  }
}

/** @internal */
export function fieldsOf(route: HandlerRoute, metadata: MessageMetadata): MessagingErrorFields {
  return { pattern: route.contract?.pattern ?? route.destination, correlationId: metadata.correlationId, messageId: metadata.messageId };
}

/** @internal */
export function expired(message: InboundMessage, route: HandlerRoute, started = false): MessagingError {
  const metadata = message.message!;
  return new MessagingError(
    `the deadline of this request passed ${started ? 'while it was being handled' : 'before its handler started'} (budget ${metadata.timeoutMs} ms)`,
    MessagingErrorCode.DEADLINE_EXCEEDED,
    false,
    fieldsOf(route, metadata),
  );
}

/** `[correlationId=... messageId=...]` for log lines. */
function ids(metadata: MessageMetadata): string {
  return `[correlationId=${metadata.correlationId} messageId=${metadata.messageId}]`;
}

/** The failing field paths and constraint names of an invalid payload: never the values. */
function issuesOf(err: ContractViolationError | UnsupportedVersionError): string {
  if (err instanceof UnsupportedVersionError) {
    return `version ${err.details.received} is not supported (supported: ${err.details.supported.join(', ')})`;
  }
  return err.details.issues
    .slice(0, 20)
    .map((i) => `${i.path || '(payload)'} (${Object.keys(i.constraints).join(', ')})`)
    .join(', ');
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
