// One measured run of one system: start the load, do the scenario's action (reloads,
// master replacements) while it runs, stop the load when the time is up, and summarise.
// The master's memory is sampled all along. Every wait here is bounded.
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoad } from '../lib/load.js';
import type { LoadMix } from '../lib/load.js';
import { rssKiB } from '../lib/proc.js';
import { buckets, median, okEnds, round, summarise } from '../lib/stats.js';
import type { LoadSummary, Window } from '../lib/stats.js';
import type { System } from '../systems/system.js';

/** Something the harness did to a system during a trial, and what came of it. */
export interface Happening extends Window {
  label: string;
  ok: boolean;
  detail: string;
}

/** A happening as the report stores it: ms from the start of its trial. */
export interface EventRecord {
  label: string;
  atMs: number;
  durationMs: number;
  ok: boolean;
  detail: string;
}

/** Counts per bucket, from the start of the trial. */
export interface Timeline {
  bucketMs: number;
  ok: number[];
  failed: number[];
  /** Scenario 4 only: connections lost under the client. */
  lost?: number[];
}

export interface MemorySummary {
  /** Master RSS in MiB: median and highest sample. */
  medianMiB: number;
  maxMiB: number;
}

export interface TrialResult {
  system: string;
  round: number;
  load: LoadSummary;
  events: EventRecord[];
  timeline: Timeline;
  masterMemory: MemorySummary;
}

/** Runs fn and records when it started and ended, and whether it threw. */
export async function timed(label: string, fn: () => Promise<string>): Promise<Happening> {
  const start = performance.now();
  try {
    const detail = await fn();
    return { label, start, end: performance.now(), ok: true, detail };
  } catch (err) {
    return { label, start, end: performance.now(), ok: false, detail: (err as Error).message };
  }
}

/** Samples the system's master RSS every intervalMs until stopped. */
export function sampleMemory(system: System, intervalMs = 250): { stop(): MemorySummary } {
  const samples: number[] = [];
  const take = () => {
    const kib = rssKiB(system.masterPid());
    if (kib !== null) samples.push(kib / 1024);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { medianMiB: round(median(samples)), maxMiB: round(Math.max(...samples)) };
    },
  };
}

/** Converts happenings to records relative to t0. */
export function eventRecords(happenings: readonly Happening[], t0: number): EventRecord[] {
  return happenings.map((h) => ({ label: h.label, atMs: round(h.start - t0), durationMs: round(h.end - h.start), ok: h.ok, detail: h.detail }));
}

export interface TrialOptions {
  mix: LoadMix;
  durationMs: number;
  /** What to do under load; resolves with what it did. The load runs at least durationMs. */
  action?: () => Promise<Happening[]>;
  bucketMs?: number;
  /** A request slower than this fails as "timeout" (default 10 s). */
  requestTimeoutMs?: number;
}

/** Runs the load (and the action) against a system and summarises the run. */
export async function loadTrial(system: System, round: number, options: TrialOptions): Promise<TrialResult> {
  const memory = sampleMemory(system);
  const t0 = performance.now();
  // Bounded by time (the action may overrun the planned duration, up to 2 minutes) and count.
  const load = startLoad({ port: system.port, mix: options.mix, maxDurationMs: options.durationMs + 120_000, maxRequests: 20_000_000, requestTimeoutMs: options.requestTimeoutMs });
  const happenings = options.action ? await options.action() : [];
  const left = options.durationMs - (performance.now() - t0);
  if (left > 0) await sleep(left);
  // Rates are over the planned run: requests that hang past it (until their timeout)
  // still count, in the last bucket of the timeline.
  const t1 = performance.now();
  const records = await load.stop();
  const bucketMs = options.bucketMs ?? 250;
  const [ok, failed] = buckets([okEnds(records), records.failAt], t0, t1, bucketMs);
  return {
    system: system.name,
    round,
    load: summarise(records, t0, t1, happenings),
    events: eventRecords(happenings, t0),
    timeline: { bucketMs, ok: ok!, failed: failed! },
    masterMemory: memory.stop(),
  };
}

/** Systems in the order of round r: rotated by r, so each takes each position in turn. */
export function rotation<T>(items: readonly T[], r: number): T[] {
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
