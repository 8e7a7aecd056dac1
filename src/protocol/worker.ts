// Messages between the master and its workers over the IPC channel, and the bootstrap
// payload in the worker's environment. Both carry a version so a master and a worker
// of different baton releases can tell when they do not understand each other.
//
// Version 1 is a contract across releases: after a deploy in place, a running master
// of the previous release starts its workers (reload, crash respawn) with the worker
// runtime now on disk. So a new release only adds message types and optional fields
// (an old master ignores types it does not know), and never changes these meanings.

/** A worker's lifecycle states, as the master tracks them (see master/lifecycle.ts). */
export type WorkerState = 'starting' | 'ready' | 'draining' | 'exited' | 'failed';

export const WORKER_PROTOCOL_VERSION = 1;
/** Environment variable carrying the WorkerBootstrap JSON. */
export const BOOTSTRAP_ENV = 'BATON_WORKER';

/** A master-owned listening socket as a worker sees it: fd is in the worker's stdio table. */
export type WorkerListener =
  | { key: string; fd: number; kind: 'tcp'; host: string; port: number }
  | { key: string; fd: number; kind: 'unix'; path: string };

export interface WorkerBootstrap {
  v: number;
  id: number;
  generation: number;
  listeners: WorkerListener[];
  /** The app reports readiness itself with ready() from baton-supervisor/worker. */
  waitReady: boolean;
}

/** Worker → master. */
export type WorkerMessage =
  | { v: number; type: 'ready' }
  /**
   * The app called listen() for master listener `key` (once per listener, before
   * 'ready'), so a worker that is never ready can be told which listeners its app left
   * alone. Added after 0.1.0, whose masters ignore it.
   */
  | { v: number; type: 'claimed'; key: string }
  /** An idle keep-alive connection, sent with its handle, for a live worker to adopt. */
  | { v: number; type: 'handoff'; key: string; hops: number };

/** Master → worker. */
export type MasterMessage =
  /** Stop accepting, finish in-flight requests; hand idle connections back if `handoff`. */
  | { v: number; type: 'drain'; handoff: boolean }
  /** Serve this connection (sent with its handle) as if accepted on listener `key`. */
  | { v: number; type: 'adopt'; key: string; hops: number };

/** Narrows an IPC payload to a baton message of our protocol version. */
export function isBatonMessage(value: unknown): value is { v: number; type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { v?: unknown }).v === WORKER_PROTOCOL_VERSION &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}
