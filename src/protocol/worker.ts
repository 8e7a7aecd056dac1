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
  /** The worker's slot, 1..N: stable across reloads and upgrades (absent from 0.1.0 masters). */
  slot?: number;
  generation: number;
  listeners: WorkerListener[];
  /** The app reports readiness itself with ready() from baton-supervisor/worker. */
  waitReady: boolean;
  /**
   * The cluster's size, when the master balances connections (absent from 0.1.0
   * masters, whose workers never pass a fresh connection on).
   */
  balance?: { workers: number };
}

/** What a worker reports about itself, every second and when it starts draining. */
export interface WorkerStats {
  /** Connections open now (an upgraded one, such as a WebSocket, counts until it closes). */
  connections: number;
  /**
   * The most connections open at once since the previous report (absent from older
   * runtimes): short connections come and go between two reports, and this is what
   * they amount to.
   */
  peak?: number;
  /** Of those, taken over by an 'upgrade' handler (101 Switching Protocols). */
  upgraded: number;
  /** HTTP requests (and HTTP/2 streams) received since the worker started. */
  requests: number;
  /** Event-loop delay over the last interval (p99, ms) and utilisation (0..1); absent from older runtimes. */
  eventLoopDelayMs?: number;
  eventLoopUtilization?: number;
}

/** Worker → master. */
export type WorkerMessage =
  | { v: number; type: 'ready' }
  /**
   * A connection, sent with its handle, for another worker to adopt: an idle keep-alive
   * one from a draining worker, or (`shed`, added after 0.1.0) a fresh one, not yet read,
   * from a worker above its share, with `held` and `adopted` (added after 0.1.0 too):
   * how many connections it holds now, besides this one, and how many `adopt`
   * messages it has received so far.
   */
  | { v: number; type: 'handoff'; key: string; hops: number; shed?: boolean; held?: number; adopted?: number }
  /**
   * Added after 0.1.0 (older masters ignore it). Sent every second from the worker's own
   * event loop: it is also the heartbeat that tells a stuck worker from a busy one.
   */
  | ({ v: number; type: 'stats' } & WorkerStats)
  /**
   * The app called listen() for master listener `key` (once per listener, before
   * 'ready'), so a worker that is never ready can be told which listeners its app left
   * alone. Added after 0.1.0, whose masters ignore it.
   */
  | { v: number; type: 'claimed'; key: string };

/** Master → worker. */
export type MasterMessage =
  /**
   * Stop accepting, finish in-flight requests; hand idle connections back if `handoff`.
   * `timeoutMs` (absent from 0.1.0 masters) is when the master sends SIGTERM.
   */
  | { v: number; type: 'drain'; handoff: boolean; timeoutMs?: number }
  /** Serve this connection (sent with its handle) as if accepted on listener `key`. */
  | { v: number; type: 'adopt'; key: string; hops: number }
  /** The cluster's open connections, as the master counts them: a worker above its share passes new ones on. */
  | {
      v: number;
      type: 'balance';
      total: number;
      /** This worker's share of them (smaller while it warms up); absent: total over the workers. */
      share?: number;
    };

/** Narrows an IPC payload to a baton message of our protocol version. */
export function isBatonMessage(value: unknown): value is { v: number; type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { v?: unknown }).v === WORKER_PROTOCOL_VERSION &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}
