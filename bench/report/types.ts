// The shape of bench/results/<date>.json: everything the Markdown report is made from.
import type { Plan } from '../plan.js';
import type { IdleTrial } from '../scenarios/idle.js';
import type { SteadyResult } from '../scenarios/scenarios.js';
import type { TrialResult } from '../scenarios/trial.js';

export interface MemoryAtRest {
  system: string;
  masterMiB: number;
  /** Master plus workers. */
  clusterMiB: number;
}

export interface BenchReport {
  version: 1;
  date: string;
  mode: 'full' | 'quick';
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    /** Whether the run's processes had NODE_EXTRA_CA_CERTS (on Node 20 each process start reads that file); absent in reports before it was recorded. */
    extraCaCerts?: boolean;
  };
  versions: { baton: string; pm2: string };
  plan: Plan;
  /** For each system, what scenario 3 does to replace its master, in words. */
  replaceMasterHow: Record<string, string>;
  durationMs: number;
  memoryAtRest: MemoryAtRest[];
  steady: SteadyResult[];
  reload: TrialResult[];
  /** Scenario 2 under the upload load (absent from reports before it existed). */
  reloadUploads?: TrialResult[];
  master: TrialResult[];
  idle: IdleTrial[];
  /** Scenario 6 (absent from reports before it existed). */
  spread?: TrialResult[];
  /** What the harness had to do that a reader should know (a system restarted, ...). */
  notes: string[];
}
