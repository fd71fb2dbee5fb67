import { Test } from '@nestjs/testing';
import { Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { EventHandler, getMessagingClientToken, MessagingClient, MessagingModule } from '../../src';
import { OutgoingMessage } from '../../src/wire/outgoing-message';
import { Controller, startTcpServer, waitFor } from '../support/nest';
import { CallTally, record, watchUnhandledRejections } from './support/summary';
import { encodeMetadata, newId } from '../../src/extend';

const IDS = 500;
const handled = { deduped: 0, plain: 0 };

@Controller()
class DuplicateController {
  @EventHandler({ evt: 'deduped' }, { dedupe: true })
  deduped() {
    handled.deduped++;
  }

  @EventHandler({ evt: 'plain' })
  plain() {
    handled.plain++;
  }
}

describe('duplicate event deliveries', () => {
  it('are handled once with dedupe on, twice with it off', async () => {
    const server = await startTcpServer([DuplicateController]);
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port: server.port } }] })],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get<MessagingClient>(getMessagingClientToken('svc'));
    const rejections = watchUnhandledRejections();
    const tally = new CallTally();
    // Each id delivered twice, as a redelivering broker or a retried publish would.
    const deliver = (pattern: object, messageId: string) =>
      tally.run(
        () => lastValueFrom(client.proxy.emit(pattern, new OutgoingMessage({}, encodeMetadata({ messageId, correlationId: messageId, attempt: 1, app: {} })))),
        5000,
      );
    try {
      for (let i = 0; i < IDS; i++) {
        const id = newId();
        await Promise.all([deliver({ evt: 'deduped' }, id), deliver({ evt: 'deduped' }, id), deliver({ evt: 'plain' }, id), deliver({ evt: 'plain' }, id)]);
      }
      await waitFor(() => handled.plain === 2 * IDS, 10_000, 'every plain delivery');
      await waitFor(() => handled.deduped >= IDS, 10_000, 'every deduped id');
      // A marker sent after everything else, on the same connection: once it is handled, all duplicates were seen.
      await deliver({ evt: 'deduped' }, newId());
      await waitFor(() => handled.deduped >= IDS + 1, 10_000, 'the marker');
      record({
        scenario: 'duplicate event deliveries (each id twice)',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes: `${IDS} ids: handled ${handled.deduped - 1}x with dedupe on, ${handled.plain}x with it off`,
      });
      expect(handled.deduped).toBe(IDS + 1);
      expect(handled.plain).toBe(2 * IDS);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await moduleRef.close();
      await server.close();
    }
  });
});
