import { spawnSync } from 'node:child_process';

/**
 * A second Node.js binary for the scenarios whose figures depend on the Node
 * major (`AsyncLocalStorage` runs on async hooks on Node 20 and on async
 * context frames from Node 24): `MESSAGING_NODE_LTS`, its path (.ci/run
 * fetches Node 24 and sets it). Without it those rows print a notice and run
 * on this process's Node only, unless `MESSAGING_REQUIRE_NODE_LTS=1` makes
 * that a failure.
 * @returns the binary's path and major, or undefined.
 */
export function ltsNode(): { path: string; major: number } | undefined {
  const path = process.env.MESSAGING_NODE_LTS;
  const required = process.env.MESSAGING_REQUIRE_NODE_LTS === '1';
  if (!path) {
    if (required) throw new Error('MESSAGING_REQUIRE_NODE_LTS=1 but MESSAGING_NODE_LTS names no node binary');
    console.log('notice: MESSAGING_NODE_LTS is not set: the rows measured on a second Node major run on this one only');
    return undefined;
  }
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const major = Number(/^v(\d+)\./.exec(version.stdout ?? '')?.[1]);
  if (version.status !== 0 || !Number.isInteger(major)) throw new Error(`MESSAGING_NODE_LTS=${path} is not a node binary (${version.stderr ?? ''})`);
  return { path, major };
}
