// A worker's lifecycle as a closed state machine: starting → ready → draining → exited,
// or starting → failed. Every change of state goes through transition(), which rejects
// moves the table does not allow, so no code path can, say, "un-drain" a worker.

import type { WorkerState } from '../protocol/worker.js';

export type { WorkerState } from '../protocol/worker.js';

const ALLOWED: Record<WorkerState, readonly WorkerState[]> = {
  // A starting worker becomes ready, fails (crash or ready-timeout), or is drained
  // because the cluster stops or its reload was abandoned.
  starting: ['ready', 'failed', 'draining'],
  // A ready worker is drained on purpose, or exits on its own (a crash).
  ready: ['draining', 'exited'],
  draining: ['exited'],
  exited: [],
  failed: [],
};

/** Thrown on an illegal move: always a bug in the caller, never a user error. */
export class IllegalTransition extends Error {
  constructor(from: WorkerState, to: WorkerState) {
    super(`illegal worker state transition ${from} → ${to}`);
    this.name = 'IllegalTransition';
  }
}

/** Returns the new state, or throws if the move is not in the table. */
export function transition(from: WorkerState, to: WorkerState): WorkerState {
  if (!ALLOWED[from].includes(to)) throw new IllegalTransition(from, to);
  return to;
}

/** True once the worker process is gone (or about to be) and holds no slot. */
export function isTerminal(state: WorkerState): boolean {
  return ALLOWED[state].length === 0;
}

/** True while the worker may be given connections. */
export function isServing(state: WorkerState): boolean {
  return state === 'ready';
}
