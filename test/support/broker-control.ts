import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BROKER_PORTS, type BrokerName } from './brokers';
import { waitFor } from './nest';
import { connect } from 'node:net';

/** Whether the broker's port accepts a connection now. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Stops a broker with the machine's own stop command (see /work/shared/brokers.md), and waits until its port is closed. */
export async function stopBroker(name: BrokerName): Promise<void> {
  switch (name) {
    case 'redis':
      execFileSync('redis-cli', ['-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore' });
      break;
    case 'nats':
      execFileSync('start-stop-daemon', ['--stop', '--oknodo', '--exec', '/usr/sbin/nats-server'], { stdio: 'ignore' });
      break;
    case 'rabbitmq':
      execFileSync('rabbitmqctl', ['stop'], { stdio: 'ignore', timeout: 60_000 });
      break;
    case 'mqtt':
      throw new Error('stopping mosquitto is not implemented by the tests');
  }
  await waitFor(async () => !(await portOpen(BROKER_PORTS[name])), 60_000, `${name} to stop`);
}

/** Starts a broker that is down (.ci/brokers.sh, which waits until its port accepts connections). */
export function startBroker(name: BrokerName): void {
  execFileSync('bash', [join(__dirname, '../../.ci/brokers.sh'), name], { stdio: 'inherit', timeout: 180_000 });
}
