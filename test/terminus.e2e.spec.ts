import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import { Transport } from '@nestjs/microservices';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { MessagingModule, MessagingClients } from 'nestjs-messaging';
import { MessagingHealthIndicator } from 'nestjs-messaging/terminus';
import { Controller, nestMajor, startTcpServer } from './support/nest';

@Controller()
class NothingController {}

async function healthModule(port: number) {
  const moduleRef = await Test.createTestingModule({
    // #region health-module
    imports: [
      TerminusModule,
      MessagingModule.forRoot({
        clients: [
          {
            name: 'users',
            transport: Transport.TCP,
            options: { host: '127.0.0.1', port },
            resilience: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfter: 60_000 }, bulkhead: { maxConcurrent: 10 } },
          },
        ],
      }),
    ],
    providers: [MessagingHealthIndicator], // then: health.check([() => indicator.isHealthy('users')])
    // #endregion health-module
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe(`MessagingHealthIndicator (nestjs-messaging/terminus, Nest ${nestMajor})`, () => {
  it('reports a reachable client up, with its breaker state and bulkhead load', async () => {
    const server = await startTcpServer([NothingController]);
    const moduleRef = await healthModule(server.port);
    try {
      const indicator = moduleRef.get(MessagingHealthIndicator);
      const health = moduleRef.get(HealthCheckService);
      const report = await health.check([() => indicator.isHealthy('users')]);
      expect(report.status).toBe('ok');
      expect(report.info).toEqual({ users: { status: 'up', circuit: 'closed', inFlight: 0, queued: 0, connected: true } });
    } finally {
      await moduleRef.close();
      await server.close();
    }
  });

  it('reports down when the peer cannot be reached, and down with the breaker state once it opens', async () => {
    const probe = await startTcpServer([NothingController]);
    await probe.close();
    const moduleRef = await healthModule(probe.port);
    try {
      const indicator = moduleRef.get(MessagingHealthIndicator);
      const unreachable = await indicator.isHealthy('users', { key: 'users-tcp', timeout: 500 });
      expect(unreachable['users-tcp']).toMatchObject({ status: 'down', connected: false, circuit: 'closed' });
      const client = moduleRef.get(MessagingClients).get('users');
      for (let i = 0; i < 2; i++) await client.request({ cmd: 'x' }, {}).catch(() => undefined);
      const open = await indicator.isHealthy('users', { connect: false });
      expect(open.users).toMatchObject({ status: 'down', circuit: 'open' });
      expect(String(open.users!.message)).toContain("circuit breaker of client 'users' is open");
    } finally {
      await moduleRef.close();
    }
  });

  it('is not loaded by the main entry: @nestjs/terminus stays an optional peer', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/from '@nestjs\/terminus'|require\('@nestjs\/terminus'\)/);
      for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) visit(resolve(dirname(file), `${m[1]}.ts`));
    };
    visit(join(__dirname, '..', 'src', 'index.ts'));
    expect(seen.size).toBeGreaterThan(20);
  });
});
