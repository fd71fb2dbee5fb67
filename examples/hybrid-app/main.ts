/*
 * `npm run example`: starts the hybrid app (HTTP on HTTP_PORT, default 3000, and
 * a TCP microservice on TCP_PORT, default 3001, in one process), makes the demo
 * calls over real HTTP, prints what happened, shuts down, and exits 0 when all
 * three results are as expected (1 otherwise).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, Transport } from '@nestjs/microservices';
import { messagingMicroservice } from 'nestjs-messaging';
import { appModule, REPORT_BUDGET_MS, UsersStore, type User } from './app.module';

/** Which Nest major is loaded (only 12 has setOnDispatchHook). */
const nestMajor = typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function' ? 12 : 11;

// #region bootstrap
/** Starts the hybrid app: `connectMicroservice`, `startAllMicroservices`, `listen`. */
export async function bootstrap(httpPort: number, tcpPort: number): Promise<INestApplication> {
  const app = await NestFactory.create(appModule(tcpPort), { logger: ['error', 'warn'] });
  app.connectMicroservice(messagingMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: tcpPort } }));
  await app.startAllMicroservices();
  await app.listen(httpPort, '127.0.0.1');
  return app;
}
// #endregion bootstrap

interface Check {
  label: string;
  ok: boolean;
}

/** Makes the demo calls against a running app and prints what happened. Returns whether every result was as expected. */
export async function demo(base: string, store: UsersStore, print: (line: string) => void = console.log): Promise<boolean> {
  const checks: Check[] = [];
  const check = (label: string, ok: boolean) => checks.push({ label, ok });

  // 1) The correlation id: sent in the request, seen by the handler, returned in the response header.
  const sent = `demo-${randomUUID().slice(0, 8)}`;
  const res = await fetch(`${base}/users/42`, { headers: { 'x-correlation-id': sent } });
  const user = (await res.json()) as User;
  const seen = store.journal.filter((r) => r.handler === 'get_user').at(-1)?.correlationId;
  const returned = res.headers.get('x-correlation-id');
  print(`1) GET /users/42 -> HTTP ${res.status} ${JSON.stringify(user)}`);
  print(`   correlation id sent in the HTTP request:       ${sent}`);
  print(`   correlation id seen by the get_user handler:   ${seen}`);
  print(`   correlation id returned in x-correlation-id:   ${returned}`);
  check('correlation id flows from HTTP through the RPC and back', res.status === 200 && user.id === 42 && seen === sent && returned === sent);

  const created = await fetch(`${base}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': `${sent}-signup` },
    body: JSON.stringify({ name: 'New User' }),
  });
  const newUser = (await created.json()) as User;
  const deadline = Date.now() + 2_000;
  let notification = store.notifications.find((n) => n.userId === newUser.id);
  while (!notification && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    notification = store.notifications.find((n) => n.userId === newUser.id);
  }
  print(`   POST /users -> HTTP ${created.status} ${JSON.stringify(newUser)}; user_created handled: ` +
    (notification ? `"${notification.text}" (correlation id ${notification.correlationId})` : 'no notification'));
  check('user_created event recorded a welcome notification', created.status === 201 && notification?.correlationId === `${sent}-signup`);

  // 2) The slow call: the client's budget ends it, the filter maps it to 504.
  const slowStart = performance.now();
  const slow = await fetch(`${base}/users/42/report`);
  const slowMs = Math.round(performance.now() - slowStart);
  const slowBody = (await slow.json()) as { message?: string };
  print(`2) GET /users/42/report (handler takes 2000 ms, budget ${REPORT_BUDGET_MS} ms) -> HTTP ${slow.status} after ${slowMs} ms: ${slowBody.message}`);
  check('slow call turns into HTTP 504 within its budget', slow.status === 504 && slowMs < REPORT_BUDGET_MS + 500);

  // 3) The flaky call: two retryable failures, then success on the third attempt.
  const flaky = await fetch(`${base}/users/42/profile`);
  const profile = (await flaky.json()) as { attempt?: number; failedAttempts?: Array<{ attempt: number; code: string }> };
  const failures = (profile.failedAttempts ?? []).map((f) => `attempt ${f.attempt}: ${f.code}`).join(', ');
  print(`3) GET /users/42/profile -> HTTP ${flaky.status}, succeeded on attempt ${profile.attempt} (retried after ${failures || 'nothing'})`);
  check('flaky call succeeds on its third attempt', flaky.status === 200 && profile.attempt === 3 && profile.failedAttempts?.length === 2);

  const failed = checks.filter((c) => !c.ok);
  print(failed.length === 0 ? 'All demo results as expected.' : `NOT as expected: ${failed.map((c) => c.label).join('; ')}`);
  return failed.length === 0;
}

/** Starts the app, runs the demo, shuts down. Resolves with the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const httpPort = Number(env.HTTP_PORT ?? 3000);
  const tcpPort = Number(env.TCP_PORT ?? 3001);
  const app = await bootstrap(httpPort, tcpPort);
  try {
    const { port } = app.getHttpServer().address() as AddressInfo;
    console.log(`nestjs-messaging hybrid example on Nest ${nestMajor}: HTTP on 127.0.0.1:${port}, TCP microservice on 127.0.0.1:${tcpPort}`);
    return (await demo(`http://127.0.0.1:${port}`, app.get(UsersStore))) ? 0 : 1;
  } finally {
    await app.close();
    console.log('Shut down.');
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
      // Everything is closed by now; a handle still open would keep the process alive: report it.
      setTimeout(() => {
        console.error('the process did not exit after shutdown: a handle is still open');
        process.exit(1);
      }, 3_000).unref();
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
