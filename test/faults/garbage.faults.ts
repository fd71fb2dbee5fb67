import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { Transport } from '@nestjs/microservices';
import { getMessagingClientToken, MessagingClient, MessagingModule } from '../../src';
import { connect, rawRequest } from './support/raw-tcp';
import { ServerChild } from './support/server-child';
import { CallTally, record, watchUnhandledRejections } from './support/summary';

describe('garbage on the server TCP port', () => {
  it('the server process survives and keeps answering well-formed clients', async () => {
    const server = new ServerChild();
    const rejections = watchUnhandledRejections();
    const port = await server.listen(0);
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port }, policy: { timeout: 3000 } }] })],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get<MessagingClient>(getMessagingClientToken('svc'));
    const tally = new CallTally();
    const wellFormed = async (what: string) => {
      for (let i = 0; i < 20; i++) {
        await tally.run(async () => {
          const reply = await client.request({ cmd: 'echo' }, { what, i });
          expect(reply).toEqual({ what, i });
        }, 3100);
      }
    };
    const stages: string[] = [];
    try {
      await wellFormed('before');

      // Random bytes on 20 connections.
      for (let i = 0; i < 20; i++) {
        const s = await connect(port);
        s.write(randomBytes(64 * 1024));
        s.destroy();
      }
      await wellFormed('random bytes');
      stages.push('random bytes x20');

      // Bad length prefixes.
      for (const bad of ['abc#{}', '-5#{}', '#{}', '1e3#{}', '99999999999999999999999#{}', '3#{}x', '0#', '12#{"pattern":']) {
        const s = await connect(port);
        s.write(bad);
        s.end();
      }
      await wellFormed('bad length prefixes');
      stages.push('bad length prefixes x8');

      // A 200 MB length claim, then 8 MB of its body, then a stall: others are still served meanwhile.
      const claim = await connect(port);
      claim.write('200000000#{"pattern":{"cmd":"echo"},"data":"');
      const chunk = 'a'.repeat(1024 * 1024);
      for (let i = 0; i < 8; i++) claim.write(chunk);
      await wellFormed('during a 200 MB claim');
      claim.destroy();
      stages.push('200 MB length claim (8 MB sent)');

      // A well-formed request written one character at a time.
      const slow = await rawRequest(port, { pattern: { cmd: 'echo' }, data: { byte: 'by byte' }, id: 'slow-1' }, { byteByByte: true });
      expect(slow).toMatchObject({ id: 'slow-1', response: { byte: 'by byte' } });
      stages.push('frame byte by byte');

      // 10,000 connections opened and dropped, 500 at a time.
      for (let n = 0; n < 10_000; n += 500) {
        const sockets = await Promise.all(Array.from({ length: 500 }, () => connect(port)));
        sockets.forEach((s, i) => (i % 2 ? s.destroy() : s.resetAndDestroy()));
      }
      await wellFormed('after 10,000 dropped connections');
      stages.push('10,000 connections opened and dropped');

      expect(server.alive).toBe(true);
      record({
        scenario: 'garbage on the TCP port (well-formed calls)',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes: `${stages.join(', ')}; server process alive`,
      });
      expect(tally.succeeded).toBe(tally.calls);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await moduleRef.close();
      await server.kill();
    }
  });
});
