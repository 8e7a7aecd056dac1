// What the cluster is made of: slots (stable places for one worker each), the workers
// that fill them, the events that change them and the facts those events mean to the
// operation that is running. The Cluster (reconcile.ts) is the one owner of all of it.
import type { WorkerState } from './lifecycle.js';
import type { WorkerStats } from '../protocol/worker.js';
import type { ExitInfo, Timer, WorkerHandle, WorkerSpec } from './os.js';

export interface Slot {
  /** 1..N, stable across reloads and upgrades. */
  readonly index: number;
  /** The generation this slot should run: rollouts move it, reconcile follows. */
  generation: number;
  /** Restarts after a crash, for status (carried across upgrades). */
  restarts: number;
  /** Crashes in a row; reset once a worker has stayed ready for a while. */
  streak: number;
  /** Its wanted worker was lost (crashed, failed): back off before the next one. */
  lost: boolean;
  /** No respawn before this time (crash back-off). */
  notBefore: number | undefined;
  wake: Timer | undefined;
}

export interface Worker {
  readonly id: number;
  readonly slot: Slot;
  readonly generation: number;
  readonly proc: WorkerHandle;
  readonly startedAt: number;
  state: WorkerState;
  readyAt: number | undefined;
  /** Why it failed: shown to whoever asked and in the log. */
  failure: string | undefined;
  /** To be replaced in its slot by a worker of the same generation (memory swap). */
  retiring: boolean;
  timers: Timer[];
  /** Its last report (every second), and when it came: its event loop's heartbeat. */
  stats: (WorkerStats & { at: number }) | undefined;
  /** Killed because its event loop stopped answering (--stall-timeout). */
  stuck: boolean;
  /** Requests per second between its last two reports. */
  requestRate: number | undefined;
  /** Connections routed to it (plus) or passed on by it (minus) since its last report. */
  routed: number;
  /** Connections sent to it to adopt, ever. */
  adoptsSent: number;
  /** While draining: when the master sends it SIGTERM. */
  drainDeadline: number | undefined;
  /** What its app has claimed of the master's listeners, to say why it is not ready. */
  readonly claims: Claims;
}

/** The master's listeners as one worker's app claims them (calls listen() for them). */
export interface Claims {
  /** Every listener's key → true once the app called listen() for it (the runtime reports it). */
  readonly listeners: Map<string, boolean>;
  /** Started with --wait-ready: ready only once the app also calls ready(). */
  readonly waitReady: boolean;
}

/** What happened to a worker, for the operation that is running. */
export type Fact =
  | { kind: 'ready'; worker: Worker }
  | { kind: 'failed'; worker: Worker; reason: string }
  | { kind: 'exited'; worker: Worker };

/** Events the cluster raises from processes and timers; the master posts them to its loop. */
export type ClusterEvent =
  | { type: 'worker-message'; worker: Worker; message: unknown; handle: unknown }
  | { type: 'worker-exit'; worker: Worker; info: ExitInfo }
  | { type: 'ready-timeout'; worker: Worker }
  | { type: 'stable'; worker: Worker }
  | { type: 'wake' }
  /** spawn() threw: the worker never ran. */
  | { type: 'spawn-failed'; worker: Worker; reason: string }
  /** Time to tell the workers the cluster's connection total. */
  | { type: 'balance' };

/** The settings the cluster reads at each spawn and drain (a reload may change them). */
export interface ClusterSettings {
  workers: number;
  /** How many workers may drain at once before a rollout waits (stops and upgrades do not). */
  maxDraining: number;
  readyTimeoutMs: number;
  drainTimeoutMs: number;
  killTimeoutMs: number;
  /** --warm-up: a new worker's share grows over it, and its slot's old worker (with connections) drains only after it. */
  warmUpMs: number;
  spec(id: number, generation: number, slot: number): WorkerSpec;
}
