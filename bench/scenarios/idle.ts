// Scenario 4: many keep-alive connections, idle most of the time, held open across a
// rolling reload and then a master replacement. Counts what the clients lost.
import { setTimeout as sleep } from 'node:timers/promises';
import { holdConnections } from '../lib/idle.js';
import type { IdleReport } from '../lib/idle.js';
import { buckets } from '../lib/stats.js';
import type { Provide, Log } from './scenarios.js';
import { eventRecords, rotation, sampleMemory, timed } from './trial.js';
import type { EventRecord, MemorySummary, Timeline } from './trial.js';

export interface IdlePlan {
  rounds: number;
  connections: number;
  rampMs: number;
  /** Quiet time after the ramp, after the reload, and after the master replacement. */
  holdMs: number;
  intervalMs: readonly [number, number];
  requestTimeoutMs: number;
}

export interface IdleTrial {
  system: string;
  round: number;
  connections: Omit<IdleReport, 'okAt' | 'failAt' | 'lostAt' | 'lastPids'>;
  /** Connections whose last response came from one of the workers running at the end. */
  onCurrentWorkers: number;
  /** Connections the clients lost: closed under them while idle, or under a request. */
  lost: number;
  failed: number;
  events: EventRecord[];
  timeline: Timeline;
  masterMemory: MemorySummary;
}

/** Runs scenario 4 on every system, rounds times, in rotated order. */
export async function idleConnections(names: readonly string[], plan: IdlePlan, provide: Provide, log: Log): Promise<IdleTrial[]> {
  const trials: IdleTrial[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    for (const name of rotation(names, r)) {
      const system = await provide(name);
      const memory = sampleMemory(system);
      const t0 = performance.now();
      // Bounded in time: ramp, three holds, and up to two minutes each for the two events.
      const held = holdConnections({
        port: system.port,
        connections: plan.connections,
        rampMs: plan.rampMs,
        intervalMs: plan.intervalMs,
        requestTimeoutMs: plan.requestTimeoutMs,
        maxDurationMs: plan.rampMs + 3 * plan.holdMs + 240_000,
      });
      await sleep(plan.rampMs + plan.holdMs);
      const reload = await timed('reload', () => system.reload());
      await sleep(plan.holdMs);
      const master = await timed('new master', () => system.replaceMaster());
      // Long enough that every connection sent a request after the replacement.
      await sleep(Math.max(plan.holdMs, plan.intervalMs[1] + 1000));
      const t1 = performance.now();
      const { okAt, failAt, lostAt, lastPids, ...report } = await held.stop();
      await system.refresh();
      const current = new Set(system.workerPids());
      const failed = Object.values(report.failures).reduce((a, b) => a + b, 0);
      const [ok, failedTimes, lost] = buckets([okAt, failAt, lostAt], t0, t1, 250);
      const trial: IdleTrial = {
        system: name,
        round: r,
        connections: report,
        onCurrentWorkers: lastPids.filter((pid) => current.has(pid)).length,
        lost: report.closedWhileIdle + failed,
        failed,
        events: eventRecords([reload, master], t0),
        timeline: { bucketMs: 250, ok: ok!, failed: failedTimes!, lost: lost! },
        masterMemory: memory.stop(),
      };
      trials.push(trial);
      log(
        `idle round ${r + 1} ${name}: ${report.heldThroughout}/${report.connections} held throughout ` +
          `(${trial.onCurrentWorkers} last served by the workers running at the end), ` +
          `${report.closedWhileIdle} closed while idle, ${report.closedCleanly} closed with Connection: close, ` +
          `${failed} failed requests ${JSON.stringify(report.failures)}` +
          [reload, master].filter((e) => !e.ok).map((e) => `\n    ${e.label} failed: ${e.detail}`).join(''),
      );
    }
  }
  return trials;
}
