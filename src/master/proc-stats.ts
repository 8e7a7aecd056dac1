// Per-process memory and CPU time read straight from Linux /proc: no dependency, and no
// child process per sample. Anything unreadable (process gone, no /proc) is `undefined`,
// never a throw, because a worker can exit between any two reads.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseStat } from '../procfs.js';

export interface ProcStats {
  /** Resident set size. */
  rssBytes: number;
  /** User plus system CPU time used so far. */
  cpuSeconds: number;
}

/** Linux's usual USER_HZ (`getconf CLK_TCK` on x86_64 and arm64). */
const DEFAULT_CLOCK_TICKS = 100;
/** auxv entry type carrying the clock tick rate (AT_CLKTCK in <elf.h>). */
const AT_CLKTCK = 17n;
const THIRTY_TWO_BIT = new Set(['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390']);

/**
 * The clock tick rate that /proc/<pid>/stat times are counted in. The kernel hands it to
 * every process in its auxiliary vector, so we read it once from /proc/self/auxv instead
 * of spawning `getconf CLK_TCK`; USER_HZ is kernel-wide, so our value is every pid's.
 */
function readClockTicks(): number {
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const width = THIRTY_TWO_BIT.has(process.arch) ? 4 : 8;
    const le = os.endianness() === 'LE';
    const word = (at: number): bigint =>
      width === 8
        ? le ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at)
        : BigInt(le ? auxv.readUInt32LE(at) : auxv.readUInt32BE(at));
    for (let at = 0; at + 2 * width <= auxv.length; at += 2 * width) {
      const type = word(at);
      if (type === 0n) break; // AT_NULL ends the vector
      if (type === AT_CLKTCK) {
        const ticks = Number(word(at + width));
        return ticks > 0 ? ticks : DEFAULT_CLOCK_TICKS;
      }
    }
  } catch {
    // Not Linux, or /proc not mounted: readProcStats will return undefined anyway.
  }
  return DEFAULT_CLOCK_TICKS;
}

/** Ticks per second of the utime/stime fields in /proc/<pid>/stat. */
export const CLOCK_TICKS_PER_SECOND = readClockTicks();

/** utime + stime, in clock ticks, from the text of /proc/<pid>/stat. */
export function parseStatTicks(stat: string): number | undefined {
  const parsed = parseStat(stat);
  return parsed === undefined ? undefined : parsed.utime + parsed.stime;
}

/**
 * Resident bytes from the text of /proc/<pid>/status. We use VmRSS, in kB, rather than
 * statm's page count because kB does not depend on the page size (4 KiB on x86_64 but
 * 16 or 64 KiB on some arm64 kernels), which Node cannot read without spawning getconf.
 * A zombie or kernel thread has no VmRSS line: it holds no user memory, so 0.
 */
export function parseStatusRss(status: string): number {
  const match = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Memory and CPU time of `pid`, or undefined if it is gone or /proc is unavailable. */
export function readProcStats(pid: number): ProcStats | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // ENOENT (exited) or ESRCH (exited mid-read) or no /proc at all
  }
  const ticks = parseStatTicks(stat);
  if (ticks === undefined) return undefined;
  return { rssBytes: parseStatusRss(status), cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
}

/**
 * Turns successive cpuSeconds samples per pid into a CPU percentage over the interval
 * between them, like top: 100 is one core fully busy, so a multithreaded process can
 * exceed 100.
 */
export class CpuMeter {
  private readonly last = new Map<number, { cpuSeconds: number; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** CPU% of `pid` since its previous sample; 0 for its first sample. */
  percent(pid: number, cpuSeconds: number): number {
    const at = this.now();
    const previous = this.last.get(pid);
    this.last.set(pid, { cpuSeconds, at });
    if (!previous) return 0;
    const elapsedSeconds = (at - previous.at) / 1000;
    const used = cpuSeconds - previous.cpuSeconds;
    // CPU time never goes down for one process: a drop means the pid was reused, so
    // this is the new process's first sample.
    if (used < 0 || elapsedSeconds <= 0) return 0;
    return (used / elapsedSeconds) * 100;
  }

  /** Drops the samples of a pid that exited, so a reused pid starts afresh. */
  forget(pid: number): void {
    this.last.delete(pid);
  }
}
