import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { decodePayload } from '../contract/contract-codec';
import { HANDLER_CONFIG_METADATA, type HandlerConfig } from './handler-config';
import { inboundOf, metadataOf } from './inbound-of';

const warned = new WeakSet<object>();

/**
 * Added by `@MessageHandler` / `@EventHandler`. Under the library's server it
 * only checks that the message came through the inbound pipeline (which did
 * everything already) and lets it pass. Under a server that is not the
 * library's (a plain `Transport.TCP`, say), it is the documented fallback:
 * the handler's payload is still decoded and validated against its contract
 * (an invalid one is refused with INVALID_ARGUMENT, never handled), and a
 * warning says once per handler what is missing (message context, deadline,
 * payload limits, dedupe, tracing) and what to do (`messagingMicroservice()`).
 * @internal
 */
@Injectable()
export class ServedByLibraryGuard implements CanActivate {
  private readonly reflector = new Reflector();
  private readonly logger = new Logger('MessagingHandler');

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'rpc' || inboundOf(context) !== undefined) return true;
    const handler = context.getHandler();
    const config = this.reflector.get<HandlerConfig | undefined>(HANDLER_CONFIG_METADATA, handler);
    if (!config) return true;
    if (!warned.has(handler)) {
      warned.add(handler);
      this.logger.warn(
        `${config.name} is served by a server that is not nestjs-messaging's: its payload is ` +
          `${config.contract ? 'validated' : 'passed as it is'}, but it runs without the message context ` +
          `(correlation ids, deadline, payload limits, dedupe, tracing). ` +
          `Start the microservice with messagingMicroservice(...) to get them`,
      );
    }
    const contract = config.contract;
    if (!contract) return true;
    const metadata = metadataOf(context);
    const args = context.getArgs();
    return decodePayload(
      contract,
      args[0],
      metadata.payloadVersion,
      { unknownProperties: config.options.unknownProperties ?? 'reject' },
      { pattern: contract.pattern, correlationId: metadata.correlationId, messageId: metadata.messageId },
    ).then((dto) => {
      args[0] = dto;
      return true;
    });
  }
}
