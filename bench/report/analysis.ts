// Derived figures: per-system rows for each scenario (medians over rounds, or the worst
// round where a single bad round matters), and the issue's targets, each with a verdict.
import { median, round } from '../lib/stats.js';
import type { TrialResult } from '../scenarios/trial.js';
import type { BenchReport } from './types.js';

export const BASELINE = 'node:cluster';
/** node:cluster with its workers accepting straight from the socket: direct accept with no balancing. */
export const DIRECT_ACCEPT = 'node:cluster (SCHED_NONE)';

/** The least baton / node:cluster throughput ratio by steady load (0.97 where not named). */
const STEADY_TARGETS: Record<string, number> = { 'keep-alive': 1.0, 'new connection per request': 1.6 };

export interface SpreadRow {
  system: string;
  workers: number;
  /** Median over rounds of the busiest worker's share of the responses. */
  busiestShare: number;
  /** Every worker answered in every round. */
  allServed: boolean;
  rps: number;
  failed: number;
}

/** Scenario 6 rows. */
export function spreadRows(report: BenchReport): SpreadRow[] {
  const trials = report.spread ?? [];
  const workers = report.plan.spread?.workers ?? 4;
  return systemsOf(trials).map((system) => {
    const mine = trials.filter((t) => t.system === system);
    return {
      system,
      workers,
      busiestShare: round(median(mine.map((t) => t.load.busiestShare))),
      allServed: mine.every((t) => t.load.pids >= workers),
      rps: round(median(mine.map((t) => t.load.rps))),
      failed: sum(mine.map((t) => t.load.failed)),
    };
  });
}

export interface SteadyRow {
  system: string;
  rps: number;
  perRound: number[];
  /** rps / node:cluster's rps (medians), and node:cluster's. */
  ratio: number;
  baselineRps: number;
  fastP50: number;
  fastP99: number;
  slowP99: number;
  /** The busiest worker's share of the responses (median over rounds). */
  busiestShare: number;
  failed: number;
}

export interface EventRow {
  system: string;
  events: number;
  eventsFailed: number;
  /** Distinct worker pids that answered, summed over rounds: reloads that really replaced workers raise it. */
  pids: number;
  eventMsMedian: number;
  eventMsMax: number;
  requests: number;
  failed: number;
  failures: Record<string, number>;
  /** Worst round's p99 of /fast requests that started during an event. */
  p99During: number;
  /** That over the system's steady p99 (mixed load), and that steady p99. */
  p99Ratio: number;
  steadyP99: number;
  maxGapMs: number;
  failingMs: number;
  masterMaxMiB: number;
}

export interface Target {
  what: string;
  value: string;
  met: boolean;
}

/** Scenario 1 rows of one load, in the order systems first appear. */
export function steadyRows(report: BenchReport, load: string): SteadyRow[] {
  const result = report.steady.find((s) => s.load === load);
  if (!result) return [];
  const rows = systemsOf(result.trials).map((system) => {
    const trials = result.trials.filter((t) => t.system === system);
    const perRound = trials.map((t) => t.load.rps);
    return {
      system,
      rps: round(median(perRound)),
      perRound,
      ratio: NaN,
      baselineRps: NaN,
      fastP50: round(median(trials.map((t) => t.load.fast.p50))),
      fastP99: round(median(trials.map((t) => t.load.fast.p99))),
      slowP99: round(median(trials.map((t) => t.load.slow.p99))),
      busiestShare: round(median(trials.map((t) => t.load.busiestShare))),
      failed: sum(trials.map((t) => t.load.failed)),
    };
  });
  const base = rows.find((r) => r.system === BASELINE)?.rps ?? NaN;
  return rows.map((r) => ({ ...r, ratio: round(r.rps / base), baselineRps: base }));
}

/** Scenario 2 or 3 rows; p99 is compared with the steady p99 of `steadyLoad`. */
export function eventRows(report: BenchReport, trials: readonly TrialResult[], steadyLoad = 'mixed'): EventRow[] {
  const steady = steadyRows(report, steadyLoad);
  return systemsOf(trials).map((system) => {
    const mine = trials.filter((t) => t.system === system);
    const events = mine.flatMap((t) => t.events);
    const durations = events.map((e) => e.durationMs);
    const p99During = Math.max(...mine.map((t) => t.load.fastInWindows?.p99 ?? NaN));
    const steadyP99 = steady.find((r) => r.system === system)?.fastP99 ?? NaN;
    return {
      system,
      events: events.length,
      eventsFailed: events.filter((e) => !e.ok).length,
      pids: sum(mine.map((t) => t.load.pids)),
      eventMsMedian: round(median(durations)),
      eventMsMax: round(Math.max(...durations)),
      requests: sum(mine.map((t) => t.load.requests)),
      failed: sum(mine.map((t) => t.load.failed)),
      failures: mergeCounts(mine.map((t) => t.load.failures)),
      p99During: round(p99During),
      p99Ratio: round(p99During / steadyP99),
      steadyP99,
      maxGapMs: round(Math.max(...mine.map((t) => t.load.maxGapMs))),
      failingMs: round(Math.max(...mine.map((t) => t.load.failingMs))),
      masterMaxMiB: round(Math.max(...mine.map((t) => t.masterMemory.maxMiB))),
    };
  });
}

/** The issue's targets for baton, each with the measured value and a verdict. */
export function targets(report: BenchReport): Target[] {
  const list: Target[] = [];
  const zero = (what: string, failed: number, eventsFailed: number, detail = '') =>
    list.push({
      what,
      value: `${failed} failed requests${eventsFailed > 0 ? `; ${eventsFailed} ${what.includes('reload') ? 'reloads' : 'operations'} themselves failed` : ''}${detail}`,
      met: failed === 0 && eventsFailed === 0,
    });
  const reload = eventRows(report, report.reload).find((r) => r.system === 'baton');
  if (reload) zero('0 failed requests during rolling reloads (scenario 2)', reload.failed, reload.eventsFailed);
  const master = eventRows(report, report.master).find((r) => r.system === 'baton');
  if (master) zero('0 failed requests during master upgrades (scenario 3)', master.failed, master.eventsFailed);
  const idle = report.idle.filter((t) => t.system === 'baton');
  if (idle.length > 0) {
    const lostIdle = sum(idle.map((t) => t.connections.closedWhileIdle));
    zero(
      `0 failed requests / lost connections with ${idle[0]!.connections.connections} idle keep-alive connections (scenario 4)`,
      sum(idle.map((t) => t.failed)) + lostIdle,
      sum(idle.map((t) => t.events.filter((e) => !e.ok).length)),
      lostIdle > 0 ? ` (of which ${lostIdle} connections closed while idle)` : '',
    );
  }
  for (const s of report.steady) {
    const rows = steadyRows(report, s.load);
    const row = rows.find((r) => r.system === 'baton');
    const base = rows.find((r) => r.system === BASELINE);
    if (!row || !base) continue;
    // How much node:cluster's own rounds differ, to judge a small miss against noise.
    const spread = base.perRound.length > 1 ? `; node:cluster's own rounds spread ${Math.round(((Math.max(...base.perRound) - Math.min(...base.perRound)) / base.rps) * 100)}%` : '';
    // Direct accept should beat the primary's accept-and-pass-on: as much with keep-alive,
    // clearly more with a new connection per request.
    const least = STEADY_TARGETS[s.load] ?? 0.97;
    // What plain direct accept gained over round robin in the same rounds: how much room
    // this machine left for a ratio that accepting straight from the socket makes.
    const direct = rows.find((r) => r.system === DIRECT_ACCEPT);
    const directRatio = direct ? `; SCHED_NONE (direct accept, no balancing) ${direct.ratio} x` : '';
    list.push({ what: `steady throughput >= ${least} x node:cluster (${s.load} load)`, value: `${row.ratio} x (${row.rps} vs ${row.baselineRps} req/s${spread}${directRatio})`, met: row.ratio >= least });
  }
  if (reload) list.push({ what: 'p99 latency during a reload <= 2 x steady (mixed load, /fast)', value: `${reload.p99Ratio} x (${reload.p99During} ms vs ${reload.steadyP99} ms)`, met: reload.p99Ratio <= 2 });
  const uploads = eventRows(report, report.reloadUploads ?? [], 'uploads').find((r) => r.system === 'baton');
  if (uploads) {
    list.push({ what: 'p99 latency during a reload <= 2 x steady (64 KB uploads, /fast)', value: `${uploads.p99Ratio} x (${uploads.p99During} ms vs ${uploads.steadyP99} ms)`, met: uploads.p99Ratio <= 2 });
    zero('0 failed requests during rolling reloads under uploads', uploads.failed, uploads.eventsFailed);
  }
  const spread = spreadRows(report).find((r) => r.system === 'baton');
  if (spread) {
    const bound = round(1.5 / spread.workers);
    list.push({ what: `busiest worker's share <= 1.5/N (${spread.workers} workers, a burst of keep-alive connections)`, value: `${spread.busiestShare} (every worker served: ${spread.allServed ? 'yes' : 'no'})`, met: spread.busiestShare <= bound && spread.allServed });
  }
  return list;
}

/** Systems in the order they first appear. */
export function systemsOf(trials: readonly { system: string }[]): string[] {
  return [...new Set(trials.map((t) => t.system))];
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Adds up failure counts by kind. */
export function mergeCounts(counts: readonly Record<string, number>[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const c of counts) for (const [k, v] of Object.entries(c)) merged[k] = (merged[k] ?? 0) + v;
  return merged;
}
