/**
 * How a TCP client keeps and watches its connection. Nest's ClientTCP keeps
 * one connection and reuses it until it closes; one that dies without closing
 * (a vanished peer, a dropped flow) would stall every call for minutes.
 */
export interface TcpClientOptions {
  /**
   * Which TCP client the module builds: `'library'`, the library's
   * {@link MessagingTcpClient} (Nest's framing and packets on the wire, less
   * CPU per call: see the benchmarks guide), or `'nest'`, Nest's `ClientTCP`.
   * The default is `'library'`, unless the options give what only Nest's
   * client takes (`socketClass`, `tlsOptions`, a `serializer` or a `deserializer`).
   * @default 'library'
   */
  client?: 'library' | 'nest';
  /**
   * TCP keep-alive probes after this many milliseconds of silence, so that the
   * kernel notices a dead peer; `0` turns them off. Applies to the clients the
   * module builds (`transport: Transport.TCP`) that give no `socketClass` of their own.
   * @default 15000
   */
  keepAlive?: number;
  /**
   * After this many consecutive call (or attempt) timeouts on one connection
   * with not a byte received since the first of them, the connection is
   * destroyed and the next call opens a new one (the calls still on it fail
   * with a retryable UNAVAILABLE). `false` turns the watch off. A circuit
   * breaker that opens while calls are timing out on a silent connection also
   * drops it, so that its trial call goes over a fresh one.
   * @default 2
   */
  deadAfterTimeouts?: number | false;
}

/** The defaults of {@link TcpClientOptions}. @internal */
export const TCP_CLIENT_DEFAULTS = { keepAlive: 15_000, deadAfterTimeouts: 2 } as const;

/** What only Nest's ClientTCP takes: options that make the module build it. @internal */
export const NEST_ONLY_TCP_OPTIONS = ['socketClass', 'tlsOptions', 'serializer', 'deserializer'] as const;

/**
 * Checks a client's TCP options; returns a list of problems, each saying what to do.
 * @internal
 */
export function checkTcpClientOptions(where: string, options: TcpClientOptions | undefined): string[] {
  if (options === undefined) return [];
  const problems: string[] = [];
  const k = options.keepAlive;
  if (k !== undefined && !(typeof k === 'number' && Number.isInteger(k) && k >= 0)) {
    problems.push(`${where} has tcp.keepAlive ${String(k)}: give milliseconds >= 0 (0 turns keep-alive off)`);
  }
  const c = options.client;
  if (c !== undefined && c !== 'library' && c !== 'nest') {
    problems.push(`${where} has tcp.client ${String(c)}: give 'library' or 'nest'`);
  }
  const d = options.deadAfterTimeouts;
  if (d !== undefined && d !== false && !(typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
    problems.push(`${where} has tcp.deadAfterTimeouts ${String(d)}: give a whole number >= 1, or false`);
  }
  return problems;
}
