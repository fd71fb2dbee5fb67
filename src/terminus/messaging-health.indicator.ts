import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MessagingClients } from '../module/messaging-clients';

/** Options of {@link MessagingHealthIndicator.isHealthy}. */
export interface MessagingHealthCheckOptions {
  /**
   * Key of the result in the health report.
   * @default the client's name
   */
  key?: string;
  /**
   * Budget of the connection check, in milliseconds.
   * @default 1000
   */
  timeout?: number;
  /**
   * Check the connection (connects the ClientProxy if it is not connected).
   * `false`: report the circuit breaker only.
   * @default true
   */
  connect?: boolean;
  /**
   * Report the client down while its circuit breaker is open or isolated.
   * @default true
   */
  downWhenCircuitOpen?: boolean;
}

/**
 * A `@nestjs/terminus` health indicator for the module's MessagingClients and
 * MessagingGrpcClients: up when the client connects within the budget (for a
 * gRPC client: the channel of each of its services is ready) and its circuit
 * breaker (if any) is not open; the report carries the breaker state and bulkhead load.
 * Import it from `nestjs-messaging/terminus` (terminus is an optional peer
 * dependency: the main entry never loads it), and provide it in a module that
 * imports `TerminusModule` and sees `MessagingModule`.
 *
 * @example
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.messaging.isHealthy('users')]); }
 */
@Injectable()
export class MessagingHealthIndicator {
  constructor(
    private readonly clients: MessagingClients,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /**
   * Checks the client named `name`.
   * @throws MessagingConfigurationError when there is no such client.
   */
  async isHealthy(name: string, options: MessagingHealthCheckOptions = {}): Promise<HealthIndicatorResult> {
    const client = this.clients.resolve(name);
    const session = this.indicator.check(options.key ?? name);
    const snapshot = client.resilience?.snapshot();
    const data: Record<string, unknown> = { circuit: snapshot?.circuit ?? 'none' };
    if (snapshot?.openPatterns.length) data.openPatterns = snapshot.openPatterns;
    if (snapshot?.inFlight !== undefined) data.inFlight = snapshot.inFlight;
    if (snapshot?.queued !== undefined) data.queued = snapshot.queued;
    if ((options.downWhenCircuitOpen ?? true) && (data.circuit === 'open' || data.circuit === 'isolated')) {
      return session.down({ ...data, message: `the circuit breaker of client '${name}' is ${String(data.circuit)}` });
    }
    if (options.connect === false) return session.up(data);
    try {
      await client.connect(options.timeout ?? 1000);
      return session.up({ ...data, connected: true });
    } catch (err) {
      return session.down({ ...data, connected: false, message: err instanceof Error ? err.message : String(err) });
    }
  }
}
