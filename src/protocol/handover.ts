// What an old master hands its successor besides the listening fds: the settings, the
// listeners' identities (fd i of the list sits at stdio index FIRST_HANDOVER_FD + i)
// and the counters. Versioned, because the two masters may run different releases:
// a successor refuses a version it cannot read rather than guess.
import { errors } from '../errors.js';
import type { MasterOptions } from '../config/options.js';
import type { ListenSpec } from '../config/listen-spec.js';

/** Counters a successor master carries on from, so ids and generations never repeat. */
export interface SupervisorCounters {
  nextId: number;
  nextGeneration: number;
  generation: number;
  restarts: number[];
}

export const HANDOVER_VERSION = 1;
export const HANDOVER_ENV = 'BATON_HANDOVER';
/** stdio index of the first listening fd in the successor (0-2 stdio, 3 IPC). */
export const FIRST_HANDOVER_FD = 4;

export interface HandedListener {
  key: string;
  spec: ListenSpec;
  host?: string;
  port?: number;
}

export interface HandoverState {
  v: number;
  fromPid: number;
  options: MasterOptions;
  listeners: HandedListener[];
  counters: SupervisorCounters;
  /** The health endpoint's fd follows the listeners' in the stdio table. */
  health: boolean;
  /** When the upgrade began (ISO time), so the new master can report its duration. */
  startedAt: string;
}

/** Messages between an old master and its successor over their IPC channel. */
export type SuccessorMessage =
  | { v: number; type: 'ready'; pid: number; node: string }
  | { v: number; type: 'failed'; reason: string }
  | { v: number; type: 'took-over'; pid: number };
export type PredecessorMessage =
  /** An idle connection (sent with its handle) for one of the successor's workers. */
  | { v: number; type: 'adopt'; key: string; hops: number }
  /** The old master has drained and let go of the control socket: take it. */
  | { v: number; type: 'takeover' };

/** Reads the handover from the environment; throws if absent or of another version. */
export function readHandover(env: NodeJS.ProcessEnv): HandoverState {
  const raw = env[HANDOVER_ENV];
  if (raw === undefined) throw errors.usage('this command is only run by a baton master during an upgrade');
  let state: HandoverState;
  try {
    state = JSON.parse(raw) as HandoverState;
  } catch {
    throw errors.upgradeFailed('the handover state from the old master is not valid JSON');
  }
  if (state.v !== HANDOVER_VERSION) {
    throw errors.upgradeFailed(`the old master sent handover version ${state.v}; this baton reads version ${HANDOVER_VERSION}. Upgrade in two steps, or restart.`);
  }
  return state;
}
