// How long and how hard each scenario runs: the full suite (under 15 minutes on a
// 2-core machine) and the quick smoke that CI runs (about a minute). The mixed load is
// the same in scenarios 1, 2 and 3, so latency during reloads compares with steady. The
// smoke times requests out sooner: a request hanging past 5 s is a failure either way.
import type { LoadMix } from './lib/load.js';
import type { IdlePlan } from './scenarios/idle.js';
import type { EventPlan, NamedLoad } from './scenarios/scenarios.js';
import type { SpreadPlan } from './scenarios/spread.js';

export interface Plan {
  quick: boolean;
  workers: number;
  warmupMs: number;
  steady: NamedLoad[];
  reload: EventPlan;
  /** Scenario 2 again, under a load with 64 KB uploads. */
  reloadUploads: EventPlan;
  master: EventPlan;
  idle: IdlePlan;
  spread: SpreadPlan;
}

/** Keep-alive, sparse keep-alive and new-connection clients; every 100th request is /slow
 * (rare enough that the clients still keep both cores busy). */
export const MIXED: LoadMix = { keepalive: 16, sparse: 16, fresh: 8, slowEvery: 100 };
const KEEPALIVE: LoadMix = { keepalive: 32, sparse: 0, fresh: 0, slowEvery: 0 };
const FRESH: LoadMix = { keepalive: 0, sparse: 0, fresh: 32, slowEvery: 0 };
/** The mixed load with clients that post 64 KB bodies one after another. */
export const UPLOADS: LoadMix = { keepalive: 12, sparse: 12, fresh: 6, upload: 8, slowEvery: 100 };

/** The plan for a full run or a quick smoke. */
export function makePlan(quick: boolean, workers: number): Plan {
  if (quick) {
    // Every system through every scenario, each as short as still exercises it: the
    // smoke checks the harness, not the numbers (CI's whole run has 15 minutes).
    return {
      quick,
      workers,
      warmupMs: 300,
      steady: [
        { name: 'mixed', mix: MIXED, seconds: 1, rounds: 1 },
        { name: 'uploads', mix: UPLOADS, seconds: 1, rounds: 1 },
      ],
      reload: { mix: MIXED, rounds: 1, seconds: 3, leadMs: 500, pauseMs: 0, maxEvents: 1, tailMs: 0, requestTimeoutMs: 5000 },
      reloadUploads: { mix: UPLOADS, rounds: 1, seconds: 3, leadMs: 500, pauseMs: 0, maxEvents: 1, tailMs: 0, requestTimeoutMs: 5000 },
      master: { mix: MIXED, rounds: 1, seconds: 3, leadMs: 500, pauseMs: 0, maxEvents: 1, tailMs: 0, requestTimeoutMs: 5000 },
      idle: { rounds: 1, connections: 300, rampMs: 500, holdMs: 500, intervalMs: [200, 600], requestTimeoutMs: 5000 },
      spread: { workers: 4, mix: KEEPALIVE, seconds: 1, rounds: 1 },
    };
  }
  return {
    quick,
    workers,
    warmupMs: 1500,
    steady: [
      { name: 'mixed', mix: MIXED, seconds: 10, rounds: 3 },
      // Four short rounds rather than two long ones: this machine's speed drifts over
      // tens of seconds, and a median of four alternated rounds stands it better.
      { name: 'keep-alive', mix: KEEPALIVE, seconds: 3, rounds: 4 },
      { name: 'new connection per request', mix: FRESH, seconds: 3, rounds: 4 },
      { name: 'uploads', mix: UPLOADS, seconds: 3, rounds: 4 },
    ],
    reload: { mix: MIXED, rounds: 2, seconds: 20, leadMs: 2000, pauseMs: 500, maxEvents: 20, tailMs: 2000, requestTimeoutMs: 10_000 },
    reloadUploads: { mix: UPLOADS, rounds: 2, seconds: 12, leadMs: 2000, pauseMs: 500, maxEvents: 10, tailMs: 2000, requestTimeoutMs: 10_000 },
    master: { mix: MIXED, rounds: 2, seconds: 16, leadMs: 3000, pauseMs: 3000, maxEvents: 2, tailMs: 4000, requestTimeoutMs: 10_000 },
    idle: { rounds: 1, connections: 2000, rampMs: 2000, holdMs: 4000, intervalMs: [1000, 3000], requestTimeoutMs: 10_000 },
    spread: { workers: 4, mix: KEEPALIVE, seconds: 6, rounds: 2 },
  };
}
