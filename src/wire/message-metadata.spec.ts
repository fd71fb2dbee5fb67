import { decodeMetadata, encodeMetadata, isValidId, assertValidAppMetadata, newId } from './message-metadata';
import { InvalidMetadataError } from '../errors/messaging.errors';

describe('metadata wire format', () => {
  it('round-trips every field', () => {
    const meta = {
      messageId: 'm-1',
      correlationId: 'c-1',
      causationId: 'p-1',
      sentAt: 1_790_000_000_000,
      attempt: 2,
      payloadVersion: 3,
      app: { tenant: 'acme', locale: 'fr-FR' },
    };
    const wire = encodeMetadata(meta);
    expect(wire).toEqual({
      'msg-id': 'm-1',
      'msg-correlation-id': 'c-1',
      'msg-causation-id': 'p-1',
      'msg-sent-at': '1790000000000',
      'msg-attempt': '2',
      'msg-payload-version': '3',
      'app-tenant': 'acme',
      'app-locale': 'fr-FR',
    });
    expect(Object.values(wire).every((v) => typeof v === 'string')).toBe(true);
    expect(decodeMetadata(wire)).toEqual(meta);
  });

  it('leaves defaults off the wire: no msg-format, no msg-attempt for a first attempt', () => {
    const wire = encodeMetadata({ messageId: 'm-1', correlationId: 'c-1', attempt: 1, app: {} });
    expect(wire).toEqual({ 'msg-id': 'm-1', 'msg-correlation-id': 'c-1' });
    expect(decodeMetadata(wire)).toMatchObject({ messageId: 'm-1', correlationId: 'c-1', attempt: 1 });
    // A format-1 sender that still writes msg-format is understood.
    expect(decodeMetadata({ 'msg-format': '1', 'msg-id': 'm-2', 'msg-correlation-id': 'c-2', 'msg-attempt': '1' })).toMatchObject({
      messageId: 'm-2',
      correlationId: 'c-2',
      attempt: 1,
    });
  });

  it('makes 22-character base64url ids, all different', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId()));
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('makes fresh ids for a sender that sent none (a plain Nest client)', () => {
    const a = decodeMetadata(undefined);
    const b = decodeMetadata(null);
    expect(isValidId(a.messageId)).toBe(true);
    // The message starts a conversation: its own id is the correlation id.
    expect(a.correlationId).toBe(a.messageId);
    expect(a.correlationId).not.toBe(b.correlationId);
    expect(a).toMatchObject({ attempt: 1, app: {} });
    expect(a.causationId).toBeUndefined();
  });

  it('drops what breaks the rules instead of failing the message', () => {
    const hostile = {
      'msg-id': 'x'.repeat(10_000),
      'msg-correlation-id': 'bad\nvalue',
      'msg-causation-id': 42,
      'msg-attempt': '-3',
      'msg-sent-at': 'soon',
      'msg-payload-version': '1e3',
      'app-ok': 'fine',
      'app-Bad_Key': 'x',
      'app-newline': 'a\r\nb',
      'app-long': 'y'.repeat(5000),
      'app-obj': { nested: true },
      __proto__: { polluted: true },
      'unknown-key': 'ignored',
    } as Record<string, unknown>;
    const meta = decodeMetadata(hostile);
    expect(meta.messageId).not.toBe(hostile['msg-id']);
    expect(isValidId(meta.messageId)).toBe(true);
    expect(meta.correlationId).not.toContain('\n');
    expect(meta.causationId).toBeUndefined();
    expect(meta.attempt).toBe(1);
    expect(meta.sentAt).toBeUndefined();
    // A malformed version is not ignored: NaN, so that a handler with a contract refuses it.
    expect(meta.payloadVersion).toBeNaN();
    expect(meta.app).toEqual({ ok: 'fine' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['0', '1.5', 'NaN', '1234567890123456', '-1', '', ' 2'])('marks the malformed payload version %j as NaN', (raw) => {
    expect(decodeMetadata({ 'msg-payload-version': raw }).payloadVersion).toBeNaN();
  });

  it('reads a well-formed payload version, and no version as undefined', () => {
    expect(decodeMetadata({ 'msg-payload-version': '2' }).payloadVersion).toBe(2);
    expect(decodeMetadata({}).payloadVersion).toBeUndefined();
  });

  it('caps the number and size of application keys', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 200; i++) many[`app-k${i}`] = 'v'.repeat(100);
    const meta = decodeMetadata(many);
    const size = Object.entries(meta.app).reduce((n, [k, v]) => n + k.length + 4 + v.length, 0);
    expect(Object.keys(meta.app).length).toBeLessThanOrEqual(64);
    expect(size).toBeLessThanOrEqual(8192);
  });

  it('checks application metadata given by the application', () => {
    expect(() => assertValidAppMetadata({ tenant: 'acme' })).not.toThrow();
    expect(() => assertValidAppMetadata({ Tenant: 'acme' })).toThrow(InvalidMetadataError);
    expect(() => assertValidAppMetadata({ tenant: 'a\nb' })).toThrow(/control characters/);
    expect(() => assertValidAppMetadata({ tenant: 5 as unknown as string })).toThrow(InvalidMetadataError);
  });

  it('accepts ids of at most 128 safe characters', () => {
    expect(isValidId('abc-123_x.y:z')).toBe(true);
    expect(isValidId('a'.repeat(128))).toBe(true);
    expect(isValidId('a'.repeat(129))).toBe(false);
    expect(isValidId('')).toBe(false);
    expect(isValidId('with space')).toBe(false);
  });
});
