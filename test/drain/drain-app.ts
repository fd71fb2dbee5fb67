import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { getMessageContext, MessageHandler, type MessagingMicroserviceOptions } from '../../src';
import { nestOptions, type Endpoint } from '../support/transports';

/**
 * The handlers of test/drain.e2e.spec.ts, served by the instance under test (a
 * child process, test/drain/drain-server.ts) and by the second instance on the
 * same queue / subject / queue group / shared subscription (in the test's process).
 */
export interface DrainEndpoint extends Endpoint {
  /** Unique per test: patterns, the NATS queue group, the MQTT share group. */
  ns: string;
}

/** What an instance tells the test. */
export type DrainReport =
  | { started: 'slow' | 'hang'; n: number; by: string }
  | { finished: 'slow'; n: number; by: string }
  | { who: number; by: string }
  | { aborted: 'hang'; n: number; by: string; reason: string };

export interface DrainHooks {
  /** Who answers: 'A' (the child) or 'B'. */
  name: string;
  /** Slow handlers wait for this. */
  held: Promise<void>;
  report(report: DrainReport): void;
}

/** The pattern a client sends to. */
export function drainPattern(ep: DrainEndpoint, name: 'slow' | 'who' | 'hang'): string {
  return `${ep.ns}/${name}`;
}

/** The pattern a server subscribes: on MQTT a shared subscription, so that the two instances split the messages. */
function servedPattern(ep: DrainEndpoint, name: 'slow' | 'who' | 'hang'): string {
  return ep.transport === 'mqtt' ? `$share/${ep.ns}/${drainPattern(ep, name)}` : drainPattern(ep, name);
}

/** Nest's options of both instances: on NATS a queue group. */
export function drainNestOptions(ep: DrainEndpoint): MessagingMicroserviceOptions {
  const nest = nestOptions(ep) as MessagingMicroserviceOptions & { options: Record<string, unknown> };
  return ep.transport === 'nats' ? ({ ...nest, options: { ...nest.options, queue: ep.ns } } as MessagingMicroserviceOptions) : nest;
}

export function drainHandlers(ep: DrainEndpoint, hooks: DrainHooks) {
  const { name: by } = hooks;

  @Controller()
  class DrainHandlers {
    /** In flight until the test releases it. */
    @MessageHandler(servedPattern(ep, 'slow'))
    async slow(@Payload() data: { n: number }) {
      hooks.report({ started: 'slow', n: data.n, by });
      await hooks.held;
      hooks.report({ finished: 'slow', n: data.n, by });
      return { n: data.n, by };
    }

    @MessageHandler(servedPattern(ep, 'who'))
    who(@Payload() data: { n: number }) {
      hooks.report({ who: data.n, by });
      return { n: data.n, by };
    }

    /**
     * Outlives any grace period: it never ends, and ignores its signal (it
     * reports the abort). A RabbitMQ redelivery is answered at once.
     */
    @MessageHandler(servedPattern(ep, 'hang'))
    hang(@Payload() data: { n: number }, @Ctx() ctx: unknown) {
      const message = (ctx as { getMessage?: () => { fields?: { redelivered?: boolean } } }).getMessage?.();
      if (message?.fields?.redelivered) return { n: data.n, by, redelivered: true };
      hooks.report({ started: 'hang', n: data.n, by });
      const signal = getMessageContext()?.signal;
      signal?.addEventListener('abort', () => hooks.report({ aborted: 'hang', n: data.n, by, reason: String((signal.reason as Error)?.message ?? signal.reason) }));
      return new Promise<never>(() => undefined);
    }
  }
  return DrainHandlers;
}
