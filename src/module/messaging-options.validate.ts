import { Transport } from '@nestjs/microservices';
import { checkPolicy } from '../client/call-policy';
import { checkTcpClientOptions } from '../client/tcp-client.options';
import { isContract } from '../contract/message-contract';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { checkResilience } from '../resilience/resilience.options';
import type { MessagingClientDefinition, MessagingModuleOptions } from './messaging.options';

/** Transports whose metadata channel this version implements. */
const SUPPORTED_TRANSPORTS: ReadonlySet<unknown> = new Set([
  Transport.TCP,
  Transport.REDIS,
  Transport.NATS,
  Transport.RMQ,
  Transport.MQTT,
  Transport.GRPC,
]);

/**
 * Checks the module's options and throws one error listing every problem, each
 * with what to do.
 * @throws MessagingConfigurationError
 * @internal
 */
export function validateOptions(options: MessagingModuleOptions, requiredNames: readonly string[] = []): void {
  const problems: string[] = [];
  if (!options || !Array.isArray(options.clients)) {
    throw new MessagingConfigurationError(
      'MessagingModule: options.clients must be an array of client definitions, e.g. [{ name: "users", transport: Transport.TCP, options: { port: 3001 } }]',
    );
  }
  problems.push(...checkPolicy('defaults', options.defaults));
  checkConnect('options', options.connect, problems);
  if (
    options.connectTimeout !== undefined &&
    !(typeof options.connectTimeout === 'number' && options.connectTimeout > 0)
  ) {
    problems.push(`connectTimeout is ${String(options.connectTimeout)}: give a positive number of milliseconds`);
  }
  if ('handlers' in options) {
    problems.push(
      'handlers options are the server\'s now: give them to messagingMicroservice(options, { handlers }), where every handler of that server sees them, whichever module declares it',
    );
  }
  const seen = new Set<string>();
  options.clients.forEach((def: MessagingClientDefinition, i) => {
    const where = typeof def?.name === 'string' && def.name ? `client '${def.name}'` : `clients[${i}]`;
    if (typeof def?.name !== 'string' || def.name.length === 0) {
      problems.push(`${where} has no name: give each client a non-empty name`);
    } else if (seen.has(def.name)) {
      problems.push(`${where} is defined twice: client names must be unique`);
    } else {
      seen.add(def.name);
    }
    problems.push(...checkPolicy(where, def?.policy));
    problems.push(...checkResilience(where, def?.resilience));
    problems.push(...checkTcpClientOptions(where, def?.tcp));
    checkConnect(where, def?.connect, problems);
    problems.push(...checkClientContracts(where, def?.contracts));
    const kinds = ['transport', 'proxy', 'useExisting'].filter((k) => def && k in def);
    if (kinds.length !== 1) {
      problems.push(
        `${where} must have exactly one of transport (Nest client options), proxy (a ClientProxy) or useExisting (its token); it has ${
          kinds.length ? kinds.join(' and ') : 'none'
        }`,
      );
    } else if ('transport' in def && !SUPPORTED_TRANSPORTS.has(def.transport)) {
      problems.push(
        `${where} uses transport ${String(def.transport)}, which this version of nestjs-messaging does not support: use TCP, REDIS, NATS, RMQ, MQTT or GRPC (see docs/transports.md#compatibility), or wrap your own ClientProxy with 'proxy'`,
      );
    } else if ('proxy' in def && (def.proxy === null || typeof def.proxy !== 'object' || typeof def.proxy.send !== 'function')) {
      problems.push(`${where} has a proxy that is not a ClientProxy`);
    }
  });
  for (const name of requiredNames) {
    if (!seen.has(name)) {
      problems.push(`clientNames lists '${name}', but the options define no client of that name: define it or remove it from clientNames`);
    }
  }
  if (problems.length) {
    throw new MessagingConfigurationError(`MessagingModule options are invalid:\n - ${problems.join('\n - ')}`);
  }
}

function checkClientContracts(where: string, contracts: unknown): string[] {
  if (contracts === undefined) return [];
  if (!Array.isArray(contracts)) return [`${where} has contracts that are not an array: give [GetUser, UserCreated, ...]`];
  const problems: string[] = [];
  contracts.forEach((entry: unknown, i) => {
    const declared = entry as { contract?: unknown; versions?: unknown } | null;
    if (isContract(entry)) return;
    if (declared === null || typeof declared !== 'object' || !isContract(declared.contract)) {
      problems.push(`${where} contracts[${i}] is not a contract: give a defineMessage/defineEvent contract, or { contract, versions }`);
      return;
    }
    const supported = declared.contract.supportedVersions;
    const versions = declared.versions;
    if (!Array.isArray(versions) || versions.length === 0 || versions.some((v) => !supported.includes(v as number))) {
      problems.push(
        `${where} contracts[${i}] has versions ${JSON.stringify(versions)}: give a non-empty list of the contract's versions (${supported.join(', ')})`,
      );
    }
  });
  return problems;
}

function checkConnect(where: string, value: unknown, problems: string[]): void {
  if (value !== undefined && value !== 'eager' && value !== 'lazy') {
    problems.push(`${where} has connect ${String(value)}: give 'eager' or 'lazy'`);
  }
}
