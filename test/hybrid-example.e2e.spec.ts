import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { nestMajor } from './support/nest';

/** A port that was free a moment ago (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function npmRunExample(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'example'], { cwd: join(__dirname, '..'), env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe(`npm run example (examples/hybrid-app, Nest ${nestMajor})`, () => {
  it('starts the hybrid app, prints the three demo results, shuts down and exits 0', async () => {
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    const { code, stdout, stderr } = await npmRunExample({
      ...process.env,
      HTTP_PORT: String(httpPort),
      TCP_PORT: String(tcpPort),
      MESSAGING_NEST_MAJOR: String(nestMajor),
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/Error/) });
    expect(stdout).toContain(`on Nest ${nestMajor}: HTTP on 127.0.0.1:${httpPort}, TCP microservice on 127.0.0.1:${tcpPort}`);

    // (1) the same id in the request, the handler and the response header
    const ids = [...stdout.matchAll(/correlation id (?:sent in the HTTP request|seen by the get_user handler|returned in x-correlation-id): +(\S+)/g)].map((m) => m[1]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^demo-/);

    // (2) 504 within the budget (300 ms, plus a margin for a busy machine)
    const slow = /report .* -> HTTP (\d+) after (\d+) ms/.exec(stdout);
    expect(slow?.[1]).toBe('504');
    expect(Number(slow?.[2])).toBeGreaterThanOrEqual(300);
    expect(Number(slow?.[2])).toBeLessThan(800);

    // (3) success on the third attempt after two retryable failures
    expect(stdout).toContain('GET /users/42/profile -> HTTP 200, succeeded on attempt 3 (retried after attempt 1: UNAVAILABLE, attempt 2: UNAVAILABLE)');
    expect(stdout).toContain('All demo results as expected.');
    expect(stdout).toContain('Shut down.');
  }, 90_000);
});
