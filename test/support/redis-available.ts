import { Socket } from 'node:net';

/** Whether something accepts TCP connections on 127.0.0.1:`port` (within 1 s). */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => done(true));
  });
}

/**
 * Whether a broker suite should run: true when the broker answers; otherwise
 * prints a notice and returns false, unless MESSAGING_REQUIRE_BROKERS=1 (CI),
 * which makes an unreachable broker an error.
 */
export async function brokerAvailable(name: string, port: number): Promise<boolean> {
  if (await portOpen(port)) return true;
  if (process.env.MESSAGING_REQUIRE_BROKERS === '1') {
    throw new Error(`${name} is not reachable on 127.0.0.1:${port} and MESSAGING_REQUIRE_BROKERS=1: start it (bash .ci/brokers.sh)`);
  }
  console.warn(`SKIPPED: ${name} is not reachable on 127.0.0.1:${port}; its tests did not run`);
  return false;
}
