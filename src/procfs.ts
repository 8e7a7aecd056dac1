// Linux /proc, read in one place: a process's stat line (state, parent, process group,
// start time, CPU ticks), its command line, and whether it is alive. A process is known by its pid
// plus its start time, so a pid the kernel has reused is never taken for the process
// that had it; and signals by pid go through terminate(), which checks that first.
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat that baton uses. */
export interface PidStat {
  /** R, S, D, Z (zombie), T, ... */
  state: string;
  ppid: number;
  /** Its process group: a shell's job, which a master's successors stay in. */
  pgrp: number;
  /** Start time in clock ticks since boot: with the pid, the process's identity. */
  start: string;
  /** CPU time in user and kernel mode, clock ticks. */
  utime: number;
  stime: number;
}

/**
 * Parses a /proc/<pid>/stat line. The command name (field 2) is in parentheses and may
 * itself hold spaces and ')', so fields are counted from the last ')'.
 */
export function parseStat(text: string): PidStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After the name, field 3 (state) is index 0: ppid 4 → 1, pgrp 5 → 2, utime 14 → 11, stime 15 → 12, starttime 22 → 19.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  if (fields.length < 20) return undefined;
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]), start: fields[19]!, utime, stime };
}

/** The stat of a pid, or undefined if it is gone (or there is no /proc). */
export function readStat(pid: number): PidStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** A process identity that survives pid reuse. */
export interface Proc {
  pid: number;
  start: string;
}

/** The identity of a live pid, or undefined if it is gone (or a zombie). */
export function identify(pid: number): Proc | undefined {
  const stat = readStat(pid);
  return stat && stat.state !== 'Z' ? { pid, start: stat.start } : undefined;
}

/** True while this very process (not a later one with its pid) is alive. */
export function stillAlive(proc: Proc): boolean {
  return identify(proc.pid)?.start === proc.start;
}

/** The process's command line, or [] if it cannot be read. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** Every live process in process group `pgrp`. */
export function processGroup(pgrp: number): Proc[] {
  const found: Proc[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number)) {
    const stat = readStat(pid);
    if (stat && stat.state !== 'Z' && stat.pgrp === pgrp) found.push({ pid, start: stat.start });
  }
  return found;
}

/** Every live process below `root`: its children, theirs, and so on. */
export function descendants(root: Proc): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number)) {
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push({ pid, start: stat.start });
    children.set(stat.ppid, list);
  }
  const found: Proc[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      visit(child.pid);
    }
  };
  visit(root.pid);
  return found;
}

const POLL_MS = 50;

/**
 * SIGTERM to each process, SIGKILL to those still there after graceMs; resolves once all
 * are gone (or past graceMs more after the SIGKILL) with the last signal it had to send.
 * A process whose pid now names another process is left alone.
 */
export async function terminate(procs: readonly Proc[], graceMs: number): Promise<'SIGTERM' | 'SIGKILL'> {
  for (const p of procs) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (procs.some(stillAlive) && Date.now() < deadline) await pause(POLL_MS);
  if (!procs.some(stillAlive)) return 'SIGTERM';
  for (const p of procs) signal(p, 'SIGKILL');
  const end = Date.now() + Math.max(graceMs, 1000);
  while (procs.some(stillAlive) && Date.now() < end) await pause(POLL_MS);
  return 'SIGKILL';
}

/** Sends a signal if the process is still the one we know; false if it was gone. */
export function signal(p: Proc, sig: NodeJS.Signals): boolean {
  if (!stillAlive(p)) return false;
  try {
    process.kill(p.pid, sig);
    return true;
  } catch {
    return false;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** This boot's id: a pid and start time recorded before a reboot name nobody now. Undefined without /proc. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
