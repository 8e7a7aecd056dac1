// The master's own lifecycle as one closed union: what the master is doing is exactly
// one of these states, and every change goes through transition(), which rejects moves
// the table does not list. Booleans such as "stopping" or "upgrading" cannot disagree
// with each other because there are none.
import type { BatchSpec } from './batch.js';
import type { Reply } from './master.js';
import type { ReloadRun, StartRun, SwapRun } from './rollout.js';
import type { StopRun } from './stop.js';
import type { UpgradeRun } from './upgrade.js';

/**
 * The phases of a master upgrade: `preparing` until the successor is ready (nothing is
 * committed), then `handing-over` until it has taken the control socket (this master's
 * workers are draining, their idle connections moving to the successor's).
 */
export type UpgradePhase = 'preparing' | 'handing-over';

export type MasterState =
  /** A fresh master's first workers are starting. */
  | { kind: 'starting'; run: StartRun }
  /** A successor starting its workers, then ready (once `told` the old master) and waiting to take over. */
  | { kind: 'standby'; from: number; run: StartRun; told: boolean }
  /** A successor taking the control socket and the pid file. */
  | { kind: 'taking-over' }
  | { kind: 'serving' }
  /** `run` is undefined while the config file is read again, before anything changes. */
  | { kind: 'reloading'; run: ReloadRun | undefined; reply: Reply; batch: BatchSpec | undefined; waitDrained: boolean; startedAt: number }
  /** One worker replaced because of --max-memory. */
  | { kind: 'swapping'; run: SwapRun; reply: Reply }
  | { kind: 'upgrading'; phase: UpgradePhase; run: UpgradeRun }
  /** A successor died after the point of no return (before or after it took over): this master starts workers again. */
  | { kind: 'recovering'; run: StartRun; reply: Reply; reason: string }
  /** `grace`: /healthz says 503 while serving on (--lb-grace); `draining`: workers drain. */
  | { kind: 'stopping'; phase: 'grace' | 'draining'; stop: StopRun }
  | { kind: 'stopped' }
  /** A successor owns the service now; this process lets its workers finish draining, then exits. */
  | { kind: 'handed-over'; to: number; run: UpgradeRun };

export type StateKind = MasterState['kind'];

/** A state's name in tables and messages: the kind, and the phase where it has one. */
export type StateLabel = Exclude<StateKind, 'upgrading' | 'stopping'> | `upgrading:${UpgradePhase}` | 'stopping:grace' | 'stopping:draining';

/** Every label, in lifecycle order (the rows of the request table). */
export const STATE_LABELS: readonly StateLabel[] = [
  'starting',
  'standby',
  'taking-over',
  'serving',
  'reloading',
  'swapping',
  'upgrading:preparing',
  'upgrading:handing-over',
  'recovering',
  'stopping:grace',
  'stopping:draining',
  'stopped',
  'handed-over',
];

const ALLOWED: Record<StateLabel, readonly StateLabel[]> = {
  // A fresh master serves once its first workers are ready; a successor (standby) starts
  // its workers and then waits for the old master. A stop may come at any moment; a start
  // that fails drains what it started (stopping:draining) and ends stopped.
  starting: ['serving', 'stopping:grace', 'stopping:draining'],
  // standby → standby: the same state, once it has told the old master it is ready.
  standby: ['standby', 'taking-over', 'stopping:grace', 'stopping:draining'],
  'taking-over': ['serving'],
  serving: ['reloading', 'swapping', 'upgrading:preparing', 'stopping:grace', 'stopping:draining'],
  reloading: ['serving', 'stopping:grace', 'stopping:draining'],
  swapping: ['serving', 'stopping:grace', 'stopping:draining'],
  // Until the successor is ready, an upgrade can only fail back to serving (or give
  // way to a stop). After that it goes forward, or recovers if the successor dies.
  'upgrading:preparing': ['upgrading:handing-over', 'serving', 'stopping:grace', 'stopping:draining'],
  'upgrading:handing-over': ['handed-over', 'recovering'],
  recovering: ['serving', 'stopping:grace', 'stopping:draining'],
  'stopping:grace': ['stopping:draining'],
  'stopping:draining': ['stopped'],
  stopped: [],
  // The new master died (crashed, was killed) while this one still drains: it takes the service back.
  'handed-over': ['recovering'],
};

/** The label of a state (kind, plus phase for upgrading and stopping). */
export function labelOf(state: MasterState): StateLabel {
  if (state.kind === 'upgrading') return `upgrading:${state.phase}`;
  if (state.kind === 'stopping') return `stopping:${state.phase}`;
  return state.kind;
}

/** Thrown on an illegal move: always a bug in the caller, never a user error. */
export class IllegalMasterTransition extends Error {
  constructor(from: StateLabel, to: StateLabel) {
    super(`illegal master state transition ${from} → ${to}`);
    this.name = 'IllegalMasterTransition';
  }
}

/** True if the table allows moving from `from` to `to`. */
export function canMove(from: StateLabel, to: StateLabel): boolean {
  return ALLOWED[from].includes(to);
}

/** Returns `to`, or throws if the move from `from` is not in the table. */
export function transition(from: MasterState, to: MasterState): MasterState {
  const a = labelOf(from);
  const b = labelOf(to);
  if (!canMove(a, b)) throw new IllegalMasterTransition(a, b);
  return to;
}

/** True once the master has nothing left to run: it exits when its last reply is out. */
export function isFinal(state: MasterState): boolean {
  return ALLOWED[labelOf(state)].length === 0;
}
