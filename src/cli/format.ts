// Human-readable output for `baton status`.
import type { StatusSnapshot } from '../protocol/control.js';

/** "1h2m", "3m4s", "5s", "800ms". */
export function formatUptime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}

/** "512KB", "48.3MB", "1.2GB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)}MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)}GB`;
}

/** The status table. */
export function formatStatus(status: StatusSnapshot): string {
  const lines = [
    `master     pid ${status.pid}, node ${status.node}, up ${formatUptime(status.uptimeMs)}, memory ${formatBytes(status.rssBytes)}, generation ${status.generation}${status.operation ? `, ${status.operation} running` : ''}`,
    `listening  ${status.listeners.join(', ')}`,
  ];
  if (status.logLinesDropped) lines.push(`log        ${status.logLinesDropped} lines dropped: the log file could not be written (a full disk?)`);
  const last = status.lastReload;
  if (last) {
    lines.push(`last reload generation ${last.generation} ${last.ok ? 'succeeded' : 'FAILED'} in ${last.durationMs}ms at ${last.startedAt}`);
  }
  const upgrade = status.lastUpgrade;
  if (upgrade) {
    const pids = upgrade.toPid ? ` (master ${upgrade.fromPid} → ${upgrade.toPid})` : '';
    lines.push(`last upgrade${pids} ${upgrade.ok ? 'succeeded' : 'FAILED'} in ${upgrade.durationMs}ms at ${upgrade.startedAt}`);
  }
  const rows = [['WORKER', 'PID', 'SLOT', 'GEN', 'STATE', 'UPTIME', 'MEMORY', 'CPU', 'LOOP', 'CONNS', 'REQUESTS', 'REQ/S', 'RESTARTS']];
  for (const w of status.workers) {
    const state =
      w.state === 'backoff'
        ? `backoff (restart in ${formatUptime(w.nextRestartInMs ?? 0)})`
        : w.state === 'draining' && w.drainDeadlineInMs !== undefined
          ? `draining (${formatUptime(w.drainDeadlineInMs)} left)`
          : w.state;
    rows.push([
      w.id === null ? '-' : String(w.id),
      w.pid === null ? '-' : String(w.pid),
      String(w.slot),
      String(w.generation),
      state,
      w.state === 'backoff' ? '-' : formatUptime(w.uptimeMs),
      w.rssBytes === undefined ? '-' : formatBytes(w.rssBytes),
      w.cpuPercent === undefined ? '-' : `${w.cpuPercent}%`,
      w.eventLoopDelayMs === undefined ? '-' : `${w.eventLoopDelayMs}ms`,
      w.connections === undefined ? '-' : w.upgraded ? `${w.connections} (${w.upgraded} upgraded)` : String(w.connections),
      w.requests === undefined ? '-' : String(w.requests),
      w.requestsPerSecond === undefined ? '-' : String(w.requestsPerSecond),
      String(w.restarts),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  lines.push('');
  for (const row of rows) lines.push(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return lines.join('\n');
}
