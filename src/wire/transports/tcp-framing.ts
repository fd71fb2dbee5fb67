import { isAscii } from 'node:buffer';
import type { Socket } from 'node:net';
import { TcpSocket } from '@nestjs/microservices';

/**
 * Bytes of partly received frames held by all the connections of one server
 * together: a peer that declares a large frame and sends it slowly cannot
 * make the process hold more than this, however many connections it opens.
 * @internal
 */
export class ReadBudget {
  private used = 0;

  constructor(
    /** Most bytes held at once. */
    readonly max: number,
  ) {}

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }

  /** Takes `bytes` from the budget; false when that would go over it. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.max) return false;
    this.used += bytes;
    return true;
  }

  /** Gives `bytes` back. */
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** Why a connection was closed by its framing. @internal */
export type FrameRejection = 'frame-too-long' | 'bad-length-prefix' | 'read-budget' | 'incomplete-frame' | 'send-buffer' | 'bad-json';

/** Limits and hooks of a {@link FrameSocket}. @internal */
export interface FrameSocketOptions {
  /** Longest frame accepted, in JavaScript characters (Nest's length prefix counts those). */
  readonly maxFrameLength: number;
  /** A frame started but not finished within this many ms closes the connection (0: never). */
  readonly incompleteFrameTimeout: number;
  /** Bytes queued for writing beyond which the connection is closed (a peer that does not read). */
  readonly maxSendBufferSize: number;
  /** The budget shared by the connections of one server, if any. */
  readonly budget?: ReadBudget;
  /** TCP keep-alive probes after this many ms of silence (0: off). */
  readonly keepAlive: number;
  /** Stop reading while a write waits for the peer to drain (a server's back-pressure on a peer that does not read). */
  readonly pauseReadsWhileBlocked?: boolean;
  /** Called when a connection is closed for one of its frames (for a rate-limited log line). */
  readonly onReject?: (reason: FrameRejection, detail: string, socket: Socket) => void;
}

const HASH = 0x23;
const ZERO = 0x30;
const MAX_PREFIX_DIGITS = 15;
/**
 * Characters of queued frames at which the first write of a tick goes out without waiting for the end of the
 * tick (with {@link MIN_FRAMES_PER_WRITE}, see `FrameSocket.flushNow`); each further write of the same tick
 * waits for twice as many, up to {@link MAX_WRITE_CHARS}. A whole tick of frames in one write makes both ends
 * work in lock-step (each idle while the other handles the batch); a write every 1 KiB kept both busy but cost
 * a system call per 4 to 8 frames. Growing writes give the peer its first frames early and a large batch in a
 * few writes: at 256 requests in flight, 0.05 socket writes per call instead of 0.13 to 0.25
 * (bench/count-writes.cjs, docs/benchmarks.md).
 */
const FLUSH_AT = 1024;
/** See {@link FrameSocket.flushNow}. */
const MIN_FRAMES_PER_WRITE = 4;
const MAX_WRITE_CHARS = 65_536;

/**
 * Nest's TCP framing (`<length>#<json>`, the length in JavaScript characters),
 * read and written without the costs of Nest's JsonSocket: frames are cut out
 * of the received bytes directly (no string concatenation per chunk), the
 * declared length is checked at the prefix (a frame over `maxFrameLength` is
 * refused before its body is buffered), partly received frames count against
 * a budget shared by the server's connections, the frames written in one tick
 * go out together (in writes of 1 KiB, then 2, 4, 8 KiB ... and at least 4 frames, so that the
 * peer works while this side writes the rest), and Nagle's algorithm is off. On the wire
 * nothing changes: plain Nest peers of both majors read and write the same frames.
 * @internal
 */
export class FrameSocket extends TcpSocket {
  private chunks: Buffer[] = [];
  /**
   * When the bytes being parsed were read (`performance.now()`): the read time
   * of every frame they complete, even when the frames before it took time to
   * hand on (a server that runs handlers as it hands frames on).
   */
  protected readAt = 0;
  /** Bytes in `chunks` not yet consumed. */
  private buffered = 0;
  /** Offset of the first unconsumed byte in `chunks[0]`. */
  private offset = 0;
  /** Declared length of the frame being read (characters), or -1 while reading the prefix. */
  private frameLength = -1;
  /** Bytes of the buffered part taken from the read budget. */
  private reserved = 0;
  /** Where the scan of the current frame's body stands (chunk index and offset, bytes, characters, continuation bytes due). */
  private readonly scan = { index: 0, at: 0, pos: 0, units: 0, trailing: 0 };
  /** The frames written in this tick, sent together on the next one. */
  private outgoing: string | undefined;
  private flushScheduled = false;
  /** Characters at which the queued frames are written before the end of this tick (grows with each such write). */
  private writeAt = FLUSH_AT;
  /** Frames in {@link outgoing}. */
  private queuedFrames = 0;
  private callbacks: Array<(err?: unknown) => void> | undefined;
  private paused = false;
  /** Reasons to stop reading, held now (see {@link holdReads}). */
  private readHolds = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    socket: Socket,
    private readonly options: FrameSocketOptions,
  ) {
    super(socket);
    socket.setNoDelay(true);
    if (options.keepAlive > 0) socket.setKeepAlive(true, options.keepAlive);
    socket.on('close', () => this.reset());
  }

  protected override handleSend(message: unknown, callback?: (err?: unknown) => void): void {
    this.sendJson(serializeFrame(message), callback);
  }

  /**
   * Queues a frame whose JSON is already written (the library's own TCP
   * client builds it from parts it keeps); sent with the other frames of this tick.
   * @internal
   */
  sendJson(json: string, callback?: (err?: unknown) => void): void {
    const frame = `${json.length}#${json}`;
    if (this.outgoing === undefined) {
      this.outgoing = frame;
      this.queuedFrames = 1;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(flushFrames, this);
      }
    } else {
      this.outgoing += frame;
      this.queuedFrames++;
    }
    if (callback) (this.callbacks ??= []).push(callback);
    // A large batch goes out in growing parts: the peer starts on the first while this side writes the rest (no lock-step).
    if (this.flushNow(this.queuedFrames, this.outgoing.length)) {
      this.writeOut();
      this.writeAt = Math.min(this.writeAt * 2, MAX_WRITE_CHARS);
    }
  }

  /**
   * Whether the frames queued in this tick are written now rather than at the end of the tick: once they
   * reach {@link writeAt} characters (1,024 for the first write of a tick, twice as many for each next one)
   * and 4 frames (so that larger frames, a trace context in the metadata say, do not take more writes per
   * message), or 64 KiB.
   */
  private flushNow(frames: number, chars: number): boolean {
    return (chars >= this.writeAt && frames >= MIN_FRAMES_PER_WRITE) || chars >= MAX_WRITE_CHARS;
  }

  /** @internal The end of the tick: writes the frames queued since the last write. */
  flush(): void {
    this.flushScheduled = false;
    this.writeAt = FLUSH_AT;
    this.writeOut();
  }

  /** Writes the queued frames in one write. */
  private writeOut(): void {
    const data = this.outgoing;
    const callbacks = this.callbacks;
    this.outgoing = undefined;
    this.callbacks = undefined;
    if (data === undefined || this.socket.destroyed) {
      callbacks?.forEach((cb) => cb(new Error('the connection closed before the frame was written')));
      return;
    }
    const socket = this.socket;
    const flushed = socket.write(data, 'utf8', callbacks && ((err?: Error | null) => callbacks.forEach((cb) => cb(err ?? undefined))));
    if (socket.writableLength > this.options.maxSendBufferSize) {
      this.reject('send-buffer', `${socket.writableLength} bytes queued for a peer that does not read`);
    } else if (!flushed && !this.paused && this.options.pauseReadsWhileBlocked) {
      // A server reads no more requests from a peer that does not read the replies. (Not a client: if both
      // ends stopped reading while their writes wait, neither would ever drain.)
      this.paused = true;
      this.holdReads();
      socket.once('drain', () => {
        this.paused = false;
        this.releaseReads();
      });
    }
  }

  /**
   * Stops reading from the connection until {@link releaseReads} is called
   * as many times (each reason to stop holds it once): what the peer sends
   * meanwhile waits in the kernel, and TCP's flow control slows the peer.
   * @internal
   */
  holdReads(): void {
    if (this.readHolds++ === 0) this.socket.pause();
  }

  /** Ends one {@link holdReads}. @internal */
  releaseReads(): void {
    if (this.readHolds > 0 && --this.readHolds === 0 && !this.socket.destroyed) this.socket.resume();
  }

  protected override handleData(data: Buffer | string): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (chunk.length === 0) return;
    this.readAt = performance.now();
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.parse();
    if (this.buffered > 0) {
      const extra = this.buffered - this.reserved;
      const budget = this.options.budget;
      if (extra > 0 && budget && !budget.take(extra)) {
        return this.reject('read-budget', `the server holds ${budget.held} bytes of unfinished frames (maxBufferedBytes ${budget.max})`);
      }
      if (extra < 0) budget?.give(-extra);
      this.reserved = this.buffered;
      this.armTimer();
    } else {
      this.releaseBudget();
      this.clearTimer();
    }
  }

  /** Cuts every complete frame out of the buffered bytes. */
  private parse(): void {
    while (this.buffered > 0) {
      if (this.frameLength < 0 && !this.readPrefix()) return;
      const end = this.frameEnd();
      if (end < 0) return;
      const text = this.take(end);
      this.frameLength = -1;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        return this.reject('bad-json', `a frame of ${text.length} characters is not JSON`);
      }
      this.deliver(message ?? {});
      if (this.socket.destroyed) return;
    }
  }

  /** Hands a decoded frame on: to the socket's `message` listeners, as Nest's sockets do. */
  protected deliver(message: unknown): void {
    this.socket.emit('message', message);
  }

  /** Reads `<digits>#`; false when more bytes are needed. Refuses a bad or too long prefix. */
  private readPrefix(): boolean {
    let length = 0;
    let digits = 0;
    let i = 0;
    for (;;) {
      const b = this.byteAt(i);
      if (b < 0) {
        if (digits > MAX_PREFIX_DIGITS) break;
        return false;
      }
      if (b === HASH && digits > 0) {
        this.consume(i + 1);
        if (length > this.options.maxFrameLength) {
          this.reject('frame-too-long', `a frame declared ${length} characters (maxFrameLength ${this.options.maxFrameLength})`);
          return false;
        }
        this.frameLength = length;
        this.startScan();
        return true;
      }
      if (b < ZERO || b > ZERO + 9 || digits >= MAX_PREFIX_DIGITS) break;
      length = length * 10 + (b - ZERO);
      digits++;
      i++;
    }
    this.reject('bad-length-prefix', 'a frame does not start with <length>#');
    return false;
  }

  /**
   * The byte offset (from the first unconsumed byte) where the frame of
   * `frameLength` characters ends, or -1 when it has not fully arrived. The
   * scan goes on from where the last call stopped (each byte is looked at
   * once, whatever the number of chunks), and an ASCII run is counted without
   * looking at each byte.
   */
  private frameEnd(): number {
    const want = this.frameLength;
    const scan = this.scan;
    for (;;) {
      if (scan.units >= want) {
        // The last character's continuation bytes are part of the frame.
        return this.buffered - scan.pos >= scan.trailing ? scan.pos + scan.trailing : -1;
      }
      const chunk = this.chunks[scan.index];
      if (chunk === undefined) return -1;
      if (scan.at >= chunk.length) {
        scan.index++;
        scan.at = 0;
        continue;
      }
      // An ASCII stretch (the usual frame): one byte is one character, counted without a loop.
      const room = Math.min(chunk.length - scan.at, want - scan.units);
      if (scan.trailing === 0 && isAscii(chunk.subarray(scan.at, scan.at + room))) {
        scan.at += room;
        scan.pos += room;
        scan.units += room;
        continue;
      }
      // Otherwise byte by byte to the end of this chunk (or of the frame).
      while (scan.at < chunk.length && (scan.units < want || scan.trailing > 0)) {
        const b = chunk[scan.at]!;
        if (scan.units >= want && (b & 0xc0) !== 0x80) break;
        scan.at++;
        scan.pos++;
        // A UTF-8 lead byte starts a character (a 4-byte one is two UTF-16 units); the bytes after it belong to it.
        if (b < 0x80) {
          scan.units++;
          scan.trailing = 0;
        } else if (b >= 0xc0) {
          scan.units += b >= 0xf0 ? 2 : 1;
          scan.trailing = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
        } else if (scan.trailing > 0) {
          scan.trailing--;
        }
      }
    }
  }

  /** Starts the scan of a frame's body at the first unconsumed byte. */
  private startScan(): void {
    const scan = this.scan;
    scan.index = 0;
    scan.at = this.offset;
    scan.pos = 0;
    scan.units = 0;
    scan.trailing = 0;
  }

  /** The byte at `i` past the first unconsumed one, or -1. */
  private byteAt(i: number): number {
    let at = this.offset + i;
    for (const chunk of this.chunks) {
      if (at < chunk.length) return chunk[at]!;
      at -= chunk.length;
    }
    return -1;
  }

  /** Removes `n` bytes from the front. */
  private consume(n: number): void {
    this.buffered -= n;
    let left = n + this.offset;
    while (left > 0 && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      if (left < head.length) break;
      left -= head.length;
      this.chunks.shift();
    }
    this.offset = left;
  }

  /** Removes and decodes `n` bytes from the front. */
  private take(n: number): string {
    const first = this.chunks[0]!;
    let text: string;
    if (first.length - this.offset >= n) {
      text = first.toString('utf8', this.offset, this.offset + n);
    } else {
      const parts: Buffer[] = [];
      let left = n;
      let at = this.offset;
      for (const chunk of this.chunks) {
        const piece = chunk.subarray(at, Math.min(chunk.length, at + left));
        parts.push(piece);
        left -= piece.length;
        at = 0;
        if (left === 0) break;
      }
      text = Buffer.concat(parts).toString('utf8');
    }
    this.consume(n);
    return text;
  }

  private armTimer(): void {
    const timeout = this.options.incompleteFrameTimeout;
    if (timeout <= 0) return;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(onIncomplete, timeout, this).unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private releaseBudget(): void {
    if (this.reserved > 0 && this.options.budget) this.options.budget.give(this.reserved);
    this.reserved = 0;
  }

  /** @internal */
  incomplete(): void {
    this.timer = undefined;
    this.reject('incomplete-frame', `a frame stayed unfinished for ${this.options.incompleteFrameTimeout} ms`);
  }

  /** Closes the connection for a framing failure (destroyed: such a peer is not waited for). */
  private reject(reason: FrameRejection, detail: string): void {
    this.options.onReject?.(reason, detail, this.socket);
    this.reset();
    this.socket.destroy();
  }

  private reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.offset = 0;
    this.frameLength = -1;
    this.releaseBudget();
    this.clearTimer();
  }
}

/**
 * A packet as JSON. A reply whose value JSON cannot write (a cycle, a BigInt,
 * nesting deeper than the stack) becomes an INTERNAL error reply to its
 * request, so that the caller learns at once instead of waiting out its
 * budget; anything else that cannot be written throws, as with Nest's socket.
 */
function serializeFrame(message: unknown): string {
  try {
    return JSON.stringify(message);
  } catch (err) {
    const id = (message as { id?: unknown } | null)?.id;
    const isReply = message !== null && typeof message === 'object' && ('response' in message || 'err' in message);
    if (!isReply || typeof id !== 'string') throw err;
    return JSON.stringify({
      id,
      isDisposed: true,
      err: { code: 'INTERNAL', message: 'The reply could not be serialized', retryable: false },
    });
  }
}

function flushFrames(socket: FrameSocket): void {
  socket.flush();
}

function onIncomplete(socket: FrameSocket): void {
  socket.incomplete();
}

/** Nest's own limit on a TCP frame, in characters (its JsonSocket's default `maxBufferSize`). @internal */
export const NEST_MAX_FRAME_LENGTH = (512 * 1024 * 1024) / 4;

/** What the library's TCP clients set on their connections. @internal */
export interface ClientFrameOptions {
  /** TCP keep-alive probes after this many ms of silence (0: off). */
  readonly keepAlive: number;
  /** Longest reply frame, in characters (default: Nest's). */
  readonly maxFrameLength?: number;
  /** A reply frame started but not finished within this many ms closes the connection (default 30 s). */
  readonly incompleteFrameTimeout?: number;
  /** Bytes queued for a server that does not read, beyond which the connection is closed (default 64 MiB). */
  readonly maxSendBufferSize?: number;
}

/**
 * The framing of the library's TCP client connections, with their defaults.
 * No read budget and no read pause: the peer is the service the client calls.
 * @internal
 */
export function clientFrameOptions(options: ClientFrameOptions): FrameSocketOptions {
  return {
    maxFrameLength: options.maxFrameLength ?? NEST_MAX_FRAME_LENGTH,
    incompleteFrameTimeout: options.incompleteFrameTimeout ?? 30_000,
    maxSendBufferSize: options.maxSendBufferSize ?? 64 * 1024 * 1024,
    keepAlive: options.keepAlive,
  };
}

/**
 * The socket class (Nest's `socketClass` option) that the module gives Nest's
 * ClientTCP: {@link FrameSocket} with keep-alive, no Nagle delay and coalesced writes.
 * @internal
 */
export function clientSocketClass(options: ClientFrameOptions): new (socket: Socket) => FrameSocket {
  const frames = clientFrameOptions(options);
  return class ClientFrameSocket extends FrameSocket {
    constructor(socket: Socket) {
      super(socket, frames);
    }
  };
}
