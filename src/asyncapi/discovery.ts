import type { INestApplicationContext } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { Transport, type ClientOptions } from '@nestjs/microservices';
import type { AnyContract } from '../contract/message-contract';
import { HANDLER_CONFIG_METADATA, type HandlerConfig } from '../handler/handler-config';
import { MESSAGING_MODULE_OPTIONS } from '../module/messaging.constants';
import type { MessagingModuleOptions } from '../module/messaging.options';

/*
 * Nest's own method metadata keys of @MessagePattern/@EventPattern (the
 * `PATTERN_METADATA`, `PATTERN_HANDLER_METADATA` and `TRANSPORT_METADATA` of
 * @nestjs/microservices/constants, which the package entry does not export;
 * the same strings in Nest 11 and 12, checked by test/asyncapi.e2e.spec.ts).
 */
const PATTERN_METADATA = 'microservices:pattern';
const PATTERN_HANDLER_METADATA = 'microservices:handler_type';
const TRANSPORT_METADATA = 'microservices:transport';
const EVENT_HANDLER = 2;

/** A message or event handler of the application. @internal */
export interface DiscoveredHandler {
  /** `Class.method`. */
  readonly name: string;
  readonly kind: 'request' | 'event';
  readonly pattern: unknown;
  readonly contract?: AnyContract;
  /** `'library'` for `@MessageHandler`/`@EventHandler`, `'nest'` for a plain `@MessagePattern`/`@EventPattern`. */
  readonly decorator: 'library' | 'nest';
  /** The transport the handler is limited to (Nest's transport argument), if any. */
  readonly transport?: Transport | symbol;
}

/** A contract a client sends, with the versions it sends. @internal */
export interface SentContract {
  readonly contract: AnyContract;
  readonly versions: readonly number[];
}

/** A client of a `MessagingModule`. @internal */
export interface DiscoveredClient {
  readonly name: string;
  /** Nest's client options, for a client the module builds (absent for `proxy` and `useExisting` clients). */
  readonly options?: ClientOptions;
  readonly sends: readonly SentContract[];
}

/** What an application has: its handlers and the clients of its MessagingModules. @internal */
export interface DiscoveredApp {
  readonly handlers: readonly DiscoveredHandler[];
  readonly clients: readonly DiscoveredClient[];
}

/**
 * Finds the handlers (in the controllers of every module) and the clients
 * (in every `MessagingModule`'s options) of an application, through Nest's
 * public `DiscoveryService` and `MetadataScanner`. gRPC handlers are left out.
 * @internal
 */
export function discoverApp(app: INestApplicationContext): DiscoveredApp {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const handlers: DiscoveredHandler[] = [];
  const seen = new Set<object>();
  for (const wrapper of discovery.getControllers()) {
    const cls: unknown = wrapper.metatype;
    if (typeof cls !== 'function') continue;
    const prototype = (cls as { prototype?: object }).prototype;
    if (!prototype || seen.has(prototype)) continue;
    seen.add(prototype);
    for (const method of scanner.getAllMethodNames(prototype)) {
      const fn = (prototype as Record<string, unknown>)[method];
      if (typeof fn !== 'function') continue;
      handlers.push(...handlersOf(fn, `${cls.name}.${method}`));
    }
  }
  const clients: DiscoveredClient[] = [];
  const options = new Set<MessagingModuleOptions>();
  for (const wrapper of discovery.getProviders()) {
    if (wrapper.token !== MESSAGING_MODULE_OPTIONS || !wrapper.instance) continue;
    const moduleOptions = wrapper.instance as MessagingModuleOptions;
    if (options.has(moduleOptions)) continue;
    options.add(moduleOptions);
    for (const def of moduleOptions.clients) {
      clients.push({
        name: def.name,
        options: 'transport' in def ? { transport: def.transport, options: def.options } as ClientOptions : undefined,
        sends: (def.contracts ?? []).map((entry) =>
          'contract' in entry ? { contract: entry.contract, versions: [...entry.versions].sort((a, b) => a - b) } : { contract: entry, versions: [entry.current] },
        ),
      });
    }
  }
  return { handlers, clients };
}

function handlersOf(fn: object, name: string): DiscoveredHandler[] {
  const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, fn);
  if (!Array.isArray(patterns)) return [];
  const transport = Reflect.getMetadata(TRANSPORT_METADATA, fn) as Transport | symbol | undefined;
  if (transport === Transport.GRPC) return [];
  const config = Reflect.getMetadata(HANDLER_CONFIG_METADATA, fn) as HandlerConfig | undefined;
  const kind = config?.kind ?? (Reflect.getMetadata(PATTERN_HANDLER_METADATA, fn) === EVENT_HANDLER ? 'event' : 'request');
  return patterns.map((pattern: unknown) => ({
    name,
    kind,
    pattern,
    contract: config?.contract,
    decorator: config ? 'library' : 'nest',
    transport: transport ?? undefined,
  }));
}
