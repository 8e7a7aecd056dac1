// What the supervisor reports and hands on: the status snapshot behind `baton status`
// (its JSON is what `baton status --json` prints), reload results, and the counters and
// connection route a master upgrade passes to the next master.
import type { WorkerState } from './lifecycle.js';

/** A native socket handle passed between processes; the holder closes its copy. */
export type NativeHandle = { close(): void };

export interface WorkerStatus {
  id: number | null;
  pid: number | null;
  slot: number;
  generation: number;
  state: WorkerState | 'backoff';
  uptimeMs: number;
  restarts: number;
  nextRestartInMs?: number;
  /** Resident memory, bytes (absent when it could not be read). */
  rssBytes?: number;
  /** CPU use since the previous status, percent of one core (0 on the first). */
  cpuPercent?: number;
}

export interface OperationRecord {
  kind: 'reload' | 'upgrade';
  /** For a reload: the generation it rolled to. For an upgrade: the generation of the new master's workers. */
  generation: number;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  error?: string;
}

export interface StatusSnapshot {
  pid: number;
  node: string;
  startedAt: string;
  uptimeMs: number;
  /** The master's own resident memory, bytes. */
  rssBytes: number;
  generation: number;
  /** What is running: a reload, an upgrade, a stop, or a --max-memory swap of one worker. */
  operation: 'reload' | 'upgrade' | 'stop' | 'swap' | null;
  listeners: string[];
  workers: WorkerStatus[];
  lastReload: OperationRecord | null;
  /** The last master upgrade: from the successor's side if it succeeded (it is this master). */
  lastUpgrade: (OperationRecord & { fromPid?: number; toPid?: number }) | null;
}

/** Counters a successor master carries on from, so ids and generations never repeat. */
export interface SupervisorCounters {
  nextId: number;
  nextGeneration: number;
  generation: number;
  restarts: number[];
}

/** Where idle connections go when no local worker can take them (the successor master). */
export type HandoffRoute = (key: string, hops: number, handle: NativeHandle) => void;

export interface ReloadResult {
  generation: number;
  durationMs: number;
  workers: number;
}
