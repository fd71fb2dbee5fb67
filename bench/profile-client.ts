/*
 * Profiling aid (not part of npm run bench): runs one client at concurrency 256
 * against bench/server.ts for a few seconds, so that `node --cpu-prof` shows
 * where the client's time goes per call.
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof -r ./scripts/register.cjs bench/profile-client.ts messaging|raw
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import { getMessagingClientToken, MessagingClient, MessagingModule } from 'nestjs-messaging';

async function main(): Promise<void> {
  const which = process.argv[2] === 'raw' ? 'raw' : 'messaging';
  const child = spawn(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'register.cjs'), join(__dirname, 'server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    createInterface({ input: child.stdout }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port)),
  );
  const tcp = { host: '127.0.0.1', port };
  const raw = ClientProxyFactory.create({ transport: Transport.TCP, options: tcp });
  const ctx = await NestFactory.createApplicationContext(
    { module: class M {}, imports: [MessagingModule.forRoot({ clients: [{ name: 'p', transport: Transport.TCP, options: tcp }] })] },
    { logger: false },
  );
  const mc = ctx.get<MessagingClient>(getMessagingClientToken('p'));
  const payload = { id: 42, name: 'Sample User', email: 'user@example.com', tags: ['admin', 'math'] };
  const call = which === 'raw' ? () => lastValueFrom(raw.send({ cmd: 'echo' }, payload)) : () => lastValueFrom(mc.send({ cmd: 'echo' }, payload));
  const end = performance.now() + Number(process.env.PROFILE_MS ?? 4000);
  let ops = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (performance.now() < end) {
        await call();
        ops++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  console.log(`${which}: ${ops} calls, client CPU ${((cpu.user + cpu.system) / ops).toFixed(1)} µs/call`);
  await ctx.close();
  raw.close();
  child.kill('SIGTERM');
}

void main();
