// Whether an entry still names a live master. A process is known by its pid, its start
// time and the boot it ran in; any of the three differing means the master that wrote
// the entry is gone, even when its pid now names another process.
import { bootId, identify } from '../procfs.js';
import type { Proc } from '../procfs.js';
import type { Entry } from './entry.js';

/** The process table, as the registry reads it (faked in unit tests). */
export interface ProcessTable {
  identify(pid: number): Proc | undefined;
  bootId(): string | undefined;
}

export const REAL_PROCESSES: ProcessTable = { identify, bootId };

/** Alive, or gone with the reason, as `baton ls` says it. */
export type Verdict = { alive: true } | { alive: false; why: string };

/** Judges an entry by its process's identity alone (no control socket is asked). */
export function verdict(entry: Pick<Entry, 'pid' | 'pidStart' | 'bootId'>, table: ProcessTable = REAL_PROCESSES): Verdict {
  const boot = table.bootId();
  if (entry.bootId !== null && boot !== undefined && entry.bootId !== boot) return { alive: false, why: 'ran before the host rebooted' };
  const proc = table.identify(entry.pid);
  if (proc === undefined) return { alive: false, why: 'is gone (killed, or crashed)' };
  if (proc.start !== entry.pidStart) return { alive: false, why: 'is gone (its pid now belongs to another process)' };
  return { alive: true };
}
