import { spawnSync } from 'node:child_process';

/** The brokers of this machine kind (see .ci/brokers.sh). */
export type BrokerName = 'redis' | 'nats' | 'rabbitmq' | 'mqtt';

export const BROKER_PORTS: Record<BrokerName, number> = { redis: 6379, nats: 4222, rabbitmq: 5672, mqtt: 1883 };

let reachable: Set<BrokerName> | undefined;

/**
 * Which brokers accept a TCP connection on loopback, probed once per worker
 * (synchronously, in a child process, so that describe blocks can be chosen
 * at collection time).
 */
export function reachableBrokers(): Set<BrokerName> {
  if (reachable) return reachable;
  const script = `
    const net = require('node:net');
    const ports = ${JSON.stringify(BROKER_PORTS)};
    Promise.all(Object.entries(ports).map(([name, port]) => new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      const done = (ok) => { s.destroy(); resolve(ok ? name : null); };
      s.setTimeout(1000, () => done(false));
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
    }))).then((up) => process.stdout.write(JSON.stringify(up.filter(Boolean))));`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 5000 });
  reachable = new Set(out.status === 0 ? (JSON.parse(out.stdout) as BrokerName[]) : []);
  return reachable;
}

/** Whether an unreachable broker is a failure (set by .ci/run) rather than a skip. */
export const brokersRequired = process.env.MESSAGING_REQUIRE_BROKERS === '1';

/**
 * `describe` for a suite that needs `broker` (none for TCP): when the broker is
 * unreachable the suite is skipped with a printed notice, or fails when
 * MESSAGING_REQUIRE_BROKERS=1.
 */
export function describeWithBroker(broker: BrokerName | undefined, name: string, fn: () => void): void {
  if (!broker || reachableBrokers().has(broker)) {
    describe(name, fn);
    return;
  }
  const notice = `${broker} is not reachable on 127.0.0.1:${BROKER_PORTS[broker]} (start it with: bash .ci/brokers.sh ${broker})`;
  if (brokersRequired) {
    describe(name, () => {
      it(`needs ${broker} (MESSAGING_REQUIRE_BROKERS=1)`, () => {
        throw new Error(notice);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": ${notice}`);
  describe.skip(name, fn);
}
