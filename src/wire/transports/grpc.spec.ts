import { Metadata } from '@grpc/grpc-js';
import { encodeMetadata, decodeMetadata } from '../message-metadata';
import { errorTrailers, fromGrpcMetadata, grpcCarrier, grpcStatusReply, readErrorTrailer, toGrpcMetadata } from './grpc';

describe('gRPC carrier', () => {
  const wire = encodeMetadata({
    messageId: 'm-1',
    correlationId: 'c-1',
    causationId: 'p-1',
    attempt: 2,
    timeoutMs: 900,
    app: { tenant: 'acme', city: 'Zürich' },
  });

  it('writes the wire keys as gRPC metadata (lower case, non-ASCII values as -bin, no msg-timeout-ms) and reads them back', () => {
    const metadata = toGrpcMetadata(wire);
    expect(metadata).toBeInstanceOf(Metadata);
    const map = metadata.getMap();
    expect(map).toMatchObject({ 'msg-id': 'm-1', 'msg-correlation-id': 'c-1', 'msg-causation-id': 'p-1', 'msg-attempt': '2', 'app-tenant': 'acme' });
    expect(map['app-city-bin']).toEqual(Buffer.from('Zürich'));
    expect(map['msg-timeout-ms']).toBeUndefined();
    const back = decodeMetadata(fromGrpcMetadata(metadata));
    expect(back).toMatchObject({ messageId: 'm-1', correlationId: 'c-1', causationId: 'p-1', attempt: 2, app: { tenant: 'acme', city: 'Zürich' } });
  });

  it("reads a server call's deadline as msg-timeout-ms, and nothing from a call without one", () => {
    const metadata = toGrpcMetadata(wire);
    const read = (deadline: Date | number) => grpcCarrier.read(metadata, { metadata, getDeadline: () => deadline }) as Record<string, string>;
    expect(Number(read(Date.now() + 500)['msg-timeout-ms'])).toBeGreaterThan(450);
    expect(read(new Date(Date.now() - 10))['msg-timeout-ms']).toBe('0');
    expect(read(Infinity)['msg-timeout-ms']).toBeUndefined();
    expect(grpcCarrier.read(metadata, undefined)).toMatchObject({ 'msg-id': 'm-1' });
    expect(fromGrpcMetadata(undefined)).toBeUndefined();
  });

  it('carries the structured error in the trailers, and drops oversized details', () => {
    const error = { code: 'NOT_FOUND' as const, message: 'nö', retryable: false, correlationId: 'c-1', details: { id: 42 } };
    const trailers = errorTrailers(error);
    expect(trailers.getMap()['msg-correlation-id']).toBe('c-1');
    expect(readErrorTrailer(trailers)).toEqual(error);
    const big = errorTrailers({ ...error, details: { blob: 'x'.repeat(10_000) } });
    expect(readErrorTrailer(big)).toEqual({ code: 'NOT_FOUND', message: 'nö', retryable: false, correlationId: 'c-1' });
    const garbage = new Metadata();
    garbage.set('msg-error-bin', Buffer.from('{"code":"NOPE","message":"x"}'));
    expect(readErrorTrailer(garbage)).toBeUndefined();
    expect(readErrorTrailer(undefined)).toBeUndefined();
  });

  it('answers failures as gRPC statuses', () => {
    expect(grpcStatusReply({ code: 'PERMISSION_DENIED', message: 'no', retryable: false })).toMatchObject({ code: 7, details: 'no' });
    expect(grpcStatusReply({ status: 'error', message: 'Internal server error' })).toEqual({ code: 13, details: 'Internal server error' });
    expect(grpcStatusReply({ status: 'error', message: 'Forbidden resource' })).toEqual({ code: 7, details: 'Forbidden resource' });
    expect(grpcStatusReply({ status: 'error', message: 'text' })).toEqual({ code: 2, details: 'text' });
    const own = { code: 5, message: 'mine', metadata: new Metadata() };
    expect(grpcStatusReply(own)).toBe(own);
    expect(grpcStatusReply(new Error('secret'))).toMatchObject({ code: 13, details: 'Internal server error' });
    expect(grpcStatusReply('There is no matching message handler')).toEqual({ code: 2, details: 'There is no matching message handler' });
  });
});
