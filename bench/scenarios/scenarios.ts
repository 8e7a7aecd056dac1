// The suite's four measured scenarios. Each runs its rounds with the systems in rotated
// order (A B C, B C A, C A B), so drift on a shared machine hits every system alike.
//   1 steady    throughput and latency, no reloads
//   2 reload    rolling worker reloads back to back under load
//   3 master    the master process replaced under load
//   4 idle      many idle keep-alive connections held across a reload and a master replacement
// (Scenario 5, master memory, is sampled during the others: see trial.ts.)
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadMix } from '../lib/load.js';
import type { System } from '../systems/system.js';
import { loadTrial, rotation, timed } from './trial.js';
import type { Happening, TrialResult } from './trial.js';

/** Hands out the live system for a name, restarting one that stopped serving. */
export type Provide = (name: string) => Promise<System>;
export type Log = (line: string) => void;

export interface NamedLoad {
  name: string;
  mix: LoadMix;
  seconds: number;
  rounds: number;
}

export interface SteadyResult {
  load: string;
  mix: LoadMix;
  trials: TrialResult[];
}

/** Scenario 1: each load, each round, each system: a short warm-up, then the measured run. */
export async function steady(names: readonly string[], loads: readonly NamedLoad[], warmupMs: number, provide: Provide, log: Log): Promise<SteadyResult[]> {
  const results: SteadyResult[] = [];
  for (const load of loads) {
    const trials: TrialResult[] = [];
    for (let r = 0; r < load.rounds; r++) {
      for (const name of rotation(names, r)) {
        const system = await provide(name);
        await loadTrial(system, r, { mix: load.mix, durationMs: warmupMs });
        const trial = await loadTrial(system, r, { mix: load.mix, durationMs: load.seconds * 1000 });
        trials.push(trial);
        log(`steady ${load.name} round ${r + 1} ${name}: ${trial.load.rps} req/s, p99 fast ${trial.load.fast.p99}ms, failed ${trial.load.failed}`);
      }
    }
    results.push({ load: load.name, mix: load.mix, trials });
  }
  return results;
}

export interface EventPlan {
  mix: LoadMix;
  rounds: number;
  seconds: number;
  /** Steady load before the first event. */
  leadMs: number;
  /** Pause between events. */
  pauseMs: number;
  /** Most events per trial; scenario 2 also stops starting reloads tailMs before the end. */
  maxEvents: number;
  tailMs: number;
  /** A request slower than this fails as "timeout". */
  requestTimeoutMs: number;
}

/** Scenarios 2 and 3: the same load as scenario 1's mixed load, with events under it. */
export async function underEvents(
  scenario: 'reload' | 'master',
  names: readonly string[],
  plan: EventPlan,
  provide: Provide,
  log: Log,
): Promise<TrialResult[]> {
  const trials: TrialResult[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    for (const name of rotation(names, r)) {
      const system = await provide(name);
      const t0 = performance.now();
      const action = async () => {
        const happenings: Happening[] = [];
        await sleep(plan.leadMs);
        const lastStart = t0 + plan.seconds * 1000 - plan.tailMs;
        while (happenings.length < plan.maxEvents && performance.now() < lastStart) {
          happenings.push(
            scenario === 'reload' ? await timed('reload', () => system.reload()) : await timed('new master', () => system.replaceMaster()),
          );
          await sleep(plan.pauseMs);
        }
        return happenings;
      };
      const trial = await loadTrial(system, r, { mix: plan.mix, durationMs: plan.seconds * 1000, action, requestTimeoutMs: plan.requestTimeoutMs });
      trials.push(trial);
      await system.refresh();
      const failedEvents = trial.events.filter((e) => !e.ok);
      log(
        `${scenario} round ${r + 1} ${name}: ${trial.events.length} events (${failedEvents.length} failed), ` +
          `${trial.load.failed} failed requests ${JSON.stringify(trial.load.failures)}, longest gap ${trial.load.maxGapMs}ms` +
          failedEvents.map((e) => `\n    ${e.label} failed: ${e.detail}`).join(''),
      );
    }
  }
  return trials;
}
