import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { ReadBudget, type FrameRejection, type FrameSocketOptions } from '../wire/transports/tcp-framing';
import type { MessagingServerOptions } from './server.options';

const MiB = 1024 * 1024;
/** Room for the packet around a payload: pattern, id, metadata (at most 8 KiB), JSON punctuation. */
const FRAME_OVERHEAD = 64 * 1024;
/** A peer's rejections are logged at most once per this many ms, with a count of the rest. */
const LOG_INTERVAL = 60_000;

/** The resolved limits of the library's TCP server. @internal */
export interface ResolvedTcpLimits {
  readonly frames: FrameSocketOptions;
  readonly maxConnections: number;
}

/**
 * The library's TCP server limits with their defaults, and the rate-limited
 * log of refused connections (one line per peer address per minute).
 * @internal
 */
export function tcpLimits(options: MessagingServerOptions, logger: Logger): ResolvedTcpLimits {
  const tcp = options.tcp ?? {};
  const payload = options.handlers?.maxPayloadSize;
  // Frames are read up to twice the largest payload (at least 16 MiB): an oversized payload from a well-behaved
  // client is read and refused with a typed RESOURCE_EXHAUSTED, while a frame far beyond costs only its connection.
  const maxFrameLength = tcp.maxFrameLength ?? Math.max(16 * MiB, typeof payload === 'number' ? 2 * payload + FRAME_OVERHEAD : 0);
  const logged = new Map<string, { at: number; suppressed: number }>();
  const onReject = (reason: FrameRejection, detail: string, socket: Socket) => {
    const peer = `${socket.remoteAddress ?? '?'}`;
    const now = Date.now();
    const last = logged.get(peer);
    if (last && now - last.at < LOG_INTERVAL) {
      last.suppressed++;
      return;
    }
    if (logged.size > 10_000) logged.clear();
    logged.set(peer, { at: now, suppressed: 0 });
    const more = last?.suppressed ? ` (${last.suppressed} more from this address in the last minute)` : '';
    logger.warn(`closed a connection from ${peer}: ${reason}: ${detail}${more}`);
  };
  return {
    maxConnections: tcp.maxConnections ?? 10_000,
    frames: {
      maxFrameLength,
      incompleteFrameTimeout: tcp.incompleteFrameTimeout ?? 30_000,
      maxSendBufferSize: tcp.maxSendBufferSize ?? 64 * MiB,
      budget: new ReadBudget(tcp.maxBufferedBytes ?? 256 * MiB),
      keepAlive: 0,
      pauseReadsWhileBlocked: true,
      onReject,
    },
  };
}
