// The point-in-time view behind `baton status` (its JSON is what `baton status --json`
// prints) and the metrics: read from the cluster and the master's state, never stored.
import type { OperationRecord, StatusSnapshot, WorkerStatus } from '../protocol/control.js';
import { BATON_VERSION } from '../version.js';
import type { Listener } from './listeners.js';
import type { MasterOs } from './os.js';
import { CpuMeter } from './proc-stats.js';
import type { Cluster } from './reconcile.js';
import { labelOf } from './state.js';
import type { MasterState } from './state.js';

/** What status reads besides the cluster. */
export interface StatusSource {
  state: MasterState;
  startedAt: number;
  listeners: readonly Listener[];
  lastReload: OperationRecord | null;
  lastUpgrade: StatusSnapshot['lastUpgrade'];
  /** Log lines the master could not write. */
  logLinesDropped: number;
}

/** The operation `baton status` names for a state (null while none runs). */
export function operationOf(state: MasterState): StatusSnapshot['operation'] {
  switch (state.kind) {
    case 'reloading':
      return 'reload';
    case 'swapping':
      return 'swap';
    case 'upgrading':
    case 'recovering':
      return 'upgrade';
    case 'stopping':
    case 'stopped':
      return 'stop';
    default:
      return null;
  }
}

/** Builds status snapshots; keeps the CPU samples between two of them. */
export class StatusReader {
  private readonly cpu = new CpuMeter();

  constructor(private readonly os: MasterOs) {}

  /** A worker process is gone: a reused pid starts afresh. */
  forget(pid: number | undefined): void {
    if (pid !== undefined) this.cpu.forget(pid);
  }

  snapshot(cluster: Cluster, source: StatusSource): StatusSnapshot {
    const now = this.os.now();
    const workers: WorkerStatus[] = [...cluster.workers]
      .sort((a, b) => a.slot.index - b.slot.index || a.id - b.id)
      .map((w) => {
        const stats = w.proc.pid === undefined ? undefined : this.os.procStats(w.proc.pid);
        return {
          id: w.id,
          pid: w.proc.pid ?? null,
          slot: w.slot.index,
          generation: w.generation,
          state: w.state,
          uptimeMs: now - w.startedAt,
          restarts: w.slot.restarts,
          ...(stats ? { rssBytes: stats.rssBytes, cpuPercent: Math.round(this.cpu.percent(w.proc.pid!, stats.cpuSeconds) * 10) / 10 } : {}),
          ...(w.stats ? { connections: w.stats.connections, upgraded: w.stats.upgraded, requests: w.stats.requests, lastHeartbeatMs: now - w.stats.at } : {}),
          ...(w.stats?.eventLoopDelayMs === undefined ? {} : { eventLoopDelayMs: w.stats.eventLoopDelayMs }),
          ...(w.stats?.eventLoopUtilization === undefined ? {} : { eventLoopUtilization: w.stats.eventLoopUtilization }),
          ...(w.requestRate === undefined ? {} : { requestsPerSecond: Math.round(w.requestRate * 10) / 10 }),
          ...(w.state === 'draining' && w.drainDeadline !== undefined ? { drainDeadlineInMs: Math.max(0, w.drainDeadline - now) } : {}),
        };
      });
    for (const slot of cluster.slots) {
      if (slot.notBefore === undefined || !cluster.active || cluster.wanted(slot).length > 0) continue;
      workers.push({
        id: null,
        pid: null,
        slot: slot.index,
        generation: slot.generation,
        state: 'backoff',
        uptimeMs: 0,
        restarts: slot.restarts,
        nextRestartInMs: Math.max(0, slot.notBefore - now),
      });
    }
    return {
      pid: process.pid,
      node: process.version,
      baton: BATON_VERSION,
      state: labelOf(source.state),
      startedAt: new Date(source.startedAt).toISOString(),
      uptimeMs: now - source.startedAt,
      rssBytes: this.os.procStats(process.pid)?.rssBytes ?? process.memoryUsage().rss,
      generation: cluster.generation,
      operation: operationOf(source.state),
      listeners: source.listeners.map((l) => l.key),
      workers,
      lastReload: source.lastReload,
      lastUpgrade: source.lastUpgrade,
      logLinesDropped: source.logLinesDropped,
    };
  }
}
