import { MessagingErrorCode } from './error-codes';
import { GrpcStatus, grpcStatusOf, grpcStatusOfCallError, messagingCodeOfGrpcStatus } from './grpc-status';
import { MessagingRemoteError, MessagingTimeoutError } from './messaging.errors';

describe('gRPC status codes', () => {
  it('maps every library code to the status of the same name (UNSUPPORTED_VERSION to INVALID_ARGUMENT) and back', () => {
    for (const code of Object.values(MessagingErrorCode)) {
      const status = grpcStatusOf(code);
      expect(messagingCodeOfGrpcStatus(status)).toBe(code === 'UNSUPPORTED_VERSION' ? 'INVALID_ARGUMENT' : code);
    }
    expect(messagingCodeOfGrpcStatus(GrpcStatus.ABORTED)).toBe('FAILED_PRECONDITION');
    expect(messagingCodeOfGrpcStatus(GrpcStatus.OUT_OF_RANGE)).toBe('INVALID_ARGUMENT');
    expect(messagingCodeOfGrpcStatus(GrpcStatus.DATA_LOSS)).toBe('INTERNAL');
    expect(messagingCodeOfGrpcStatus(99)).toBe('UNKNOWN');
  });

  it("tells a failed call's status: the peer's own, else its code's", () => {
    const remote = new MessagingRemoteError('x', 'FAILED_PRECONDITION', false, { grpcCode: GrpcStatus.ABORTED, message: 'x' });
    expect(grpcStatusOfCallError(remote)).toBe(10);
    expect(grpcStatusOfCallError(new MessagingTimeoutError(1, 1, 1, []))).toBe(4);
  });
});
