/*
 * The side channel between the bench client and its server processes (Node IPC, not the transport
 * being measured): the server's CPU time and event count are read through it, so reading them costs
 * no message on the measured connection and is counted in no round.
 */
export type ServerKind = 'plain' | 'plain-context' | 'library' | 'traced' | 'reference' | 'grpc-plain' | 'grpc-library' | 'raw-net';

export const SERVER_KINDS: readonly ServerKind[] = ['plain', 'plain-context', 'library', 'traced', 'reference', 'grpc-plain', 'grpc-library', 'raw-net'];

export type ToServer = { type: 'stats'; id: number } | { type: 'wait-events'; id: number; until: number };

export interface ServerStats {
  /** CPU time the server process has used, microseconds (user + system). */
  cpu: number;
  /** Events its event handler has counted since it started. */
  events: number;
}

export type FromServer =
  | { type: 'ready'; port: number; nest: number }
  | ({ type: 'stats'; id: number } & ServerStats)
  | { type: 'events-reached'; id: number };
