// What `baton ls` shows of each app: one row from its registry entry and its master's
// status reply (or why there is none), as a table or as JSON.
import type { StatusSnapshot } from '../protocol/control.js';
import type { App, Gone } from './apps.js';
import { formatBytes, formatUptime } from './format.js';

/** One app as `baton ls --json` prints it; fields are only ever added. */
export interface AppRow {
  name: string;
  /** The master's state (serving, reloading, ...), "not answering", or "gone" (its entry was just removed). */
  status: string;
  /** The live master's pid (after an upgrade, the new one's), or the gone one's. */
  pid: number | null;
  app: string | null;
  cwd: string | null;
  control: string | null;
  listeners: string[];
  /** Slots with a ready worker, and slots. */
  workers: { ready: number; total: number } | null;
  /** Resident memory of the master and its workers, bytes. */
  memoryBytes: number | null;
  /** CPU of the workers since the previous status request (100 = one core; 0 the first time). */
  cpuPercent: number | null;
  uptimeMs: number | null;
  /** Worker restarts (crashes, stuck workers) over every slot. */
  restarts: number | null;
  generation: number | null;
  logFile: string | null;
  startedAt: string | null;
  /** Why there is no status (not answering), or why the master is gone. */
  reason?: string;
}

/** A live app's row, from its entry and its status reply (or the error instead of one). */
export function rowOf(app: App, reply: StatusSnapshot | Error): AppRow {
  const e = app.entry;
  const base = { app: e.app, cwd: e.cwd, control: e.control, logFile: e.logFile, startedAt: e.startedAt };
  if (reply instanceof Error) {
    return { name: app.name, status: 'not answering', pid: e.pid, listeners: e.listeners, workers: null, memoryBytes: null, cpuPercent: null, uptimeMs: null, restarts: null, generation: null, ...base, reason: reply.message };
  }
  // Per slot: a reload briefly runs two workers in one slot, and restarts are counted per slot.
  const slots = new Map<number, { ready: boolean; restarts: number }>();
  for (const w of reply.workers) {
    const slot = slots.get(w.slot) ?? { ready: false, restarts: 0 };
    slots.set(w.slot, { ready: slot.ready || w.state === 'ready', restarts: Math.max(slot.restarts, w.restarts) });
  }
  const slotList = [...slots.values()];
  return {
    name: app.name,
    status: reply.state ?? (reply.operation ? reply.operation : 'serving'),
    pid: reply.pid,
    listeners: reply.listeners,
    workers: { ready: slotList.filter((s) => s.ready).length, total: slotList.length },
    memoryBytes: reply.rssBytes + reply.workers.reduce((sum, w) => sum + (w.rssBytes ?? 0), 0),
    cpuPercent: Math.round(reply.workers.reduce((sum, w) => sum + (w.cpuPercent ?? 0), 0) * 10) / 10,
    uptimeMs: reply.uptimeMs,
    restarts: slotList.reduce((sum, s) => sum + s.restarts, 0),
    generation: reply.generation,
    ...base,
  };
}

/** A removed entry's row. */
export function goneRow(gone: Gone): AppRow {
  const none = { workers: null, memoryBytes: null, cpuPercent: null, uptimeMs: null, restarts: null, generation: null };
  const unknown = { app: null, cwd: null, control: null, logFile: null, startedAt: null };
  return { name: gone.name, status: 'gone', pid: gone.pid ?? null, listeners: [], ...none, ...unknown, reason: `master ${gone.pid ?? '?'} ${gone.why}; its entry was removed` };
}

/** The table, then a line for each app that is not answering or gone. */
export function formatApps(rows: readonly AppRow[]): string {
  const dash = (v: string | undefined) => v ?? '-';
  const table = [['NAME', 'PID', 'STATUS', 'WORKERS', 'MEMORY', 'CPU', 'UPTIME', 'RESTARTS', 'LISTENERS']];
  for (const r of rows) {
    table.push([
      r.name,
      r.pid === null ? '-' : String(r.pid),
      r.status,
      dash(r.workers ? `${r.workers.ready}/${r.workers.total}` : undefined),
      dash(r.memoryBytes === null ? undefined : formatBytes(r.memoryBytes)),
      dash(r.cpuPercent === null ? undefined : `${r.cpuPercent}%`),
      dash(r.uptimeMs === null ? undefined : formatUptime(r.uptimeMs)),
      dash(r.restarts === null ? undefined : String(r.restarts)),
      r.listeners.join(', ') || '-',
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const r of rows) if (r.reason) lines.push(`${r.name}: ${r.reason}`);
  return lines.join('\n');
}
