// Scenario 6, spread: how evenly each system shares a burst of keep-alive connections
// over 4 workers. Each system is started afresh with 4 workers (so the burst meets idle
// workers, as after a start or a scale-out), 32 keep-alive clients open their
// connections at once and loop; the busiest worker's share of the responses and the
// throughput are recorded. 1/N is an even spread (0.25 for 4 workers).
import { tempDir } from '../../test/support/cluster.js';
import type { LoadMix } from '../lib/load.js';
import type { System, SystemOptions } from '../systems/system.js';
import type { Log } from './scenarios.js';
import { loadTrial, rotation } from './trial.js';
import type { TrialResult } from './trial.js';

export interface SpreadPlan {
  workers: number;
  mix: LoadMix;
  seconds: number;
  rounds: number;
}

/** Runs the spread trials; each system is started with plan.workers and stopped after. */
export async function spread(names: readonly string[], plan: SpreadPlan, start: (name: string, options: SystemOptions) => Promise<System>, log: Log): Promise<TrialResult[]> {
  const trials: TrialResult[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    for (const name of rotation(names, r)) {
      const dir = tempDir('baton-bench-spread-');
      const system = await start(name, { workers: plan.workers, dir: dir.dir });
      try {
        const trial = await loadTrial(system, r, { mix: plan.mix, durationMs: plan.seconds * 1000 });
        trials.push(trial);
        log(`spread round ${r + 1} ${name}: ${plan.workers} workers, ${trial.load.pids} served, busiest share ${trial.load.busiestShare}, ${trial.load.rps} req/s, failed ${trial.load.failed}`);
      } finally {
        await system.destroy().catch((err: Error) => log(`stopping ${name}: ${err.message}`));
        dir.remove();
      }
    }
  }
  return trials;
}
