import { KafkaContext, Transport } from '@nestjs/microservices';
import { MessagingClientSerializer } from '../../client/messaging-client.serializer';
import { OutgoingMessage } from '../outgoing-message';
import { decodeMetadata, encodeMetadata } from '../message-metadata';
import { kafkaCarrier } from './kafka';

/**
 * Kafka header mapping, as unit tests: no Kafka broker runs where the library
 * is tested, so this is all that is claimed for Kafka (see docs/transports.md).
 */
describe('Kafka header mapping', () => {
  const metadata = encodeMetadata({
    messageId: 'm-1',
    correlationId: 'c-1',
    causationId: 'p-1',
    sentAt: 1_790_000_000_000,
    attempt: 2,
    app: { tenant: 'acme' },
  });
  const serializer = new MessagingClientSerializer(undefined, Transport.KAFKA);

  it('puts the metadata into the headers of a bare value, encoded as Nest encodes it', () => {
    const out = serializer.serialize(new OutgoingMessage({ id: 7 }, metadata), { pattern: 'users.get' }) as {
      value: unknown;
      headers: Record<string, string>;
    };
    expect(out.value).toBe('{"id":7}');
    expect(out.headers).toEqual(metadata);
  });

  it('keeps the key and headers of a Kafka message and adds the metadata', () => {
    const out = serializer.serialize(
      new OutgoingMessage({ key: 'user-7', value: { id: 7 }, headers: { 'x-own': 'kept' } }, metadata),
    ) as { key: unknown; value: unknown; headers: Record<string, string> };
    expect(out.key).toBe('user-7');
    expect(out.value).toBe('{"id":7}');
    expect(out.headers).toEqual({ 'x-own': 'kept', ...metadata });
  });

  it('leaves what it did not wrap as Nest would', () => {
    expect(serializer.serialize({ value: 'plain' })).toEqual({ value: 'plain', headers: {} });
    expect(serializer.serialize(5)).toEqual({ value: '5', headers: {} }); // Nest's encoding: toString()
    const inner = { serialize: (v: unknown) => ({ custom: v }) };
    const withInner = new MessagingClientSerializer(inner, Transport.KAFKA);
    expect(withInner.serialize(new OutgoingMessage('x', metadata))).toEqual({ custom: { value: 'x', headers: metadata } });
  });

  it('reads the metadata back from the headers kafkajs delivers (Buffers)', () => {
    const headers = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)]));
    const message = { key: null, value: Buffer.from('{"id":7}'), timestamp: '0', attributes: 0, offset: '0', size: 0, headers };
    const ctx = new KafkaContext([message as never, 0, 'users.get', {} as never, async () => undefined, {} as never]);
    const raw = kafkaCarrier.read(ctx, undefined) as Record<string, string>;
    expect(raw).toEqual(metadata);
    expect(decodeMetadata(raw)).toMatchObject({ messageId: 'm-1', correlationId: 'c-1', causationId: 'p-1', attempt: 2, app: { tenant: 'acme' } });
  });

  it('reads a message without headers as one without metadata', () => {
    const message = { key: null, value: Buffer.from('1'), timestamp: '0', attributes: 0, offset: '0', size: 0, headers: {} };
    expect(kafkaCarrier.read(new KafkaContext([message as never, 0, 't', {} as never, async () => undefined, {} as never]), undefined)).toBeUndefined();
  });
});
