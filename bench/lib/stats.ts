// Turns raw load records into the numbers the report shows: rates, latency percentiles
// (overall and inside given windows, such as "while a reload ran"), the longest stretch
// with no successful response, and per-bucket counts for the timeline charts.
import { percentile } from '../../test/support/load.js';
import { CLIENT_KINDS } from './load.js';
import type { ClientKind, LoadRecords } from './load.js';

/** A stretch of time on the performance.now() clock. */
export interface Window {
  start: number;
  end: number;
}

export interface Latency {
  p50: number;
  p99: number;
  count: number;
}

export interface LoadSummary {
  durationMs: number;
  requests: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  examples: string[];
  /** Successful responses per second, all clients, and per client kind. */
  rps: number;
  rpsByClient: Record<ClientKind, number>;
  /** Latency of /fast and /slow requests over the whole run. */
  fast: Latency;
  slow: Latency;
  /** /fast requests that started inside one of the windows given (e.g. during reloads). */
  fastInWindows: Latency | null;
  /** Longest time between two successful responses. */
  maxGapMs: number;
  /** From the first failure to the last (0 with fewer than two). */
  failingMs: number;
  /** How many different worker pids answered, and the busiest one's share of the responses. */
  pids: number;
  busiestShare: number;
}

/** Summarises the records of a load that ran from t0 until it was told to stop at t1. */
export function summarise(records: LoadRecords, t0: number, t1: number, windows: readonly Window[] = []): LoadSummary {
  const seconds = (t1 - t0) / 1000;
  const fast: number[] = [];
  const slow: number[] = [];
  const inWindows: number[] = [];
  const okByClient = CLIENT_KINDS.map(() => 0);
  const ends: number[] = [];
  for (let i = 0; i < records.okStart.length; i++) {
    const tag = records.okTag[i]!;
    const start = records.okStart[i]!;
    const latency = records.okLatency[i]!;
    okByClient[tag >> 1]!++;
    ends.push(start + latency);
    if (tag & 1) slow.push(latency);
    else {
      fast.push(latency);
      if (windows.some((w) => start >= w.start && start <= w.end)) inWindows.push(latency);
    }
  }
  const failures: Record<string, number> = {};
  for (const kind of records.failKind) failures[kind] = (failures[kind] ?? 0) + 1;
  return {
    durationMs: round(t1 - t0),
    requests: records.okStart.length + records.failKind.length,
    ok: records.okStart.length,
    failed: records.failKind.length,
    failures,
    examples: records.examples,
    rps: round(records.okStart.length / seconds),
    rpsByClient: Object.fromEntries(CLIENT_KINDS.map((k, i) => [k, round(okByClient[i]! / seconds)])) as Record<ClientKind, number>,
    fast: latency(fast),
    slow: latency(slow),
    fastInWindows: windows.length > 0 ? latency(inWindows) : null,
    maxGapMs: round(maxGap(ends)),
    failingMs: round(records.failAt.length > 1 ? Math.max(...records.failAt) - Math.min(...records.failAt) : 0),
    pids: new Set(records.okPid).size,
    busiestShare: round(busiest(records.okPid) / records.okPid.length),
  };
}

/** The most responses any one pid gave. */
function busiest(pids: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

/** p50, p99 and count of a list of latencies (ms, two decimals). */
export function latency(values: readonly number[]): Latency {
  return { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), count: values.length };
}

/** The longest interval between consecutive times (0 with fewer than two). */
export function maxGap(times: readonly number[]): number {
  const sorted = Float64Array.from(times).sort();
  let gap = 0;
  for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i]! - sorted[i - 1]!);
  return gap;
}

/** Counts of each series' times per whole bucket of bucketMs from t0 to t1; later times count in the last bucket. */
export function buckets(series: readonly (readonly number[])[], t0: number, t1: number, bucketMs: number): number[][] {
  const n = Math.max(1, Math.floor((t1 - t0) / bucketMs));
  return series.map((times) => {
    const counts = new Array<number>(n).fill(0);
    for (const t of times) {
      const i = Math.floor((t - t0) / bucketMs);
      if (i >= 0) counts[Math.min(i, n - 1)]!++;
    }
    return counts;
  });
}

/** End times of the successful requests (when each response arrived). */
export function okEnds(records: LoadRecords): number[] {
  return records.okStart.map((start, i) => start + records.okLatency[i]!);
}

/** The median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Two decimals: enough for ms and ratios, and the JSON stays readable. */
export function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 100) / 100 : value;
}
