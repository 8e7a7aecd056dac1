// What an old master hands its successor besides the listening fds, and the messages
// the two exchange over their IPC channel. The OLD master spawns the NEW code, so each
// release must read the handover of the release before it:
//
//   version 1 (release 0.1.0): `node <cli> __successor`, the whole state as JSON in the
//     BATON_HANDOVER environment variable (settings and environment included), fds from
//     stdio index 4 (listeners in order, then the health endpoint's).
//   version 2 (from 0.2.0): the same command line and fds, no handover variable; the
//     first IPC message is a `handover` holding only what the successor cannot derive
//     itself: how the old master was started (to resolve the settings again, config
//     file included), listener identities, counters, and the upgrade's start time.
//
// A successor answers in the version it was handed, and refuses one it cannot read.
import { errors } from '../errors.js';
import type { MasterOptions } from '../config/options.js';
import type { ListenSpec } from '../config/listen-spec.js';
import type { OperationRecord } from './control.js';

/** Counters a successor master carries on from, so ids and generations never repeat. */
export interface SupervisorCounters {
  nextId: number;
  nextGeneration: number;
  generation: number;
  restarts: number[];
}

/** Version 1, in the environment (release 0.1.0 sends it). */
export const HANDOVER_VERSION = 1;
/** Version 2, over the IPC channel. */
export const HANDOVER_V2 = 2;
/** The versions this release reads. */
export const HANDOVER_VERSIONS: readonly number[] = [HANDOVER_VERSION, HANDOVER_V2];
export const HANDOVER_ENV = 'BATON_HANDOVER';
/** stdio index of the first listening fd in the successor (0-2 stdio, 3 IPC). */
export const FIRST_HANDOVER_FD = 4;
/** The successor's command-line argument (after the CLI's path). */
export const SUCCESSOR_COMMAND = '__successor';

export interface HandedListener {
  key: string;
  spec: ListenSpec;
  host?: string;
  port?: number;
}

/** How a master was started: enough to resolve its settings again, config file included. */
export interface StartSource {
  flags: Record<string, unknown>;
  positionals: string[];
  appArgs: string[];
  cwd: string;
  configFile: string | undefined;
}

/** Version 1: the whole state in BATON_HANDOVER. */
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

/** Version 2: the first message on the IPC channel. */
export interface HandoverMessage {
  v: 2;
  type: 'handover';
  fromPid: number;
  /** The old master's baton version, for messages. */
  baton: string;
  startedAt: string;
  source: StartSource;
  /** The Node.js binary the successor runs on (baton upgrade --node), also for its workers. */
  nodePath: string;
  listeners: HandedListener[];
  health: boolean;
  counters: SupervisorCounters;
  /** The old master's last reload, so status still shows it (absent: none). */
  lastReload?: OperationRecord | null;
}

/** A message without its version, which the sender adds for its peer. */
export type Unversioned<T> = T extends unknown ? Omit<T, 'v'> : never;

/**
 * Successor → old master. `adopt` (version 2 only) hands back a connection while the
 * successor stops before it took over. `ready` says `replacesControl` (from 0.2.0) when
 * the successor binds its control socket by replacing the file while the old master
 * still answers there: the old master then keeps its own until `took-over`. Without it
 * (release 0.1.0 refuses a path a live master answers on) the old master releases its
 * socket before it tells the successor to take over.
 */
export type SuccessorMessage =
  | { v: number; type: 'ready'; pid: number; node: string; replacesControl?: boolean }
  | { v: number; type: 'failed'; reason: string }
  | { v: number; type: 'took-over'; pid: number }
  | { v: number; type: 'adopt'; key: string; hops: number };

/** Old master → successor. */
export type PredecessorMessage =
  | HandoverMessage
  /** An idle connection (sent with its handle) for one of the successor's workers. */
  | { v: number; type: 'adopt'; key: string; hops: number }
  /** The old master has drained and let go of the control socket: take it. */
  | { v: number; type: 'takeover' };

/** Reads a version-1 handover from the environment; throws if absent or of another version. */
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

/** Checks the first IPC message of a version-2 handover; throws saying what is wrong. */
export function parseHandoverMessage(raw: unknown): HandoverMessage {
  const message = raw as Partial<HandoverMessage> | null;
  if (typeof message !== 'object' || message === null || message.type !== 'handover') {
    throw errors.upgradeFailed('the old master sent no handover on the IPC channel (is it a baton master?)');
  }
  if (message.v !== HANDOVER_V2) {
    throw errors.upgradeFailed(`the old master sent handover version ${String(message.v)}; this baton reads versions ${HANDOVER_VERSIONS.join(' and ')}. Upgrade in two steps, or restart.`);
  }
  const ok =
    typeof message.fromPid === 'number' &&
    typeof message.nodePath === 'string' &&
    Array.isArray(message.listeners) &&
    typeof message.source === 'object' &&
    message.source !== null &&
    typeof message.counters === 'object' &&
    message.counters !== null;
  if (!ok) throw errors.upgradeFailed('the handover from the old master is incomplete (fromPid, nodePath, listeners, source, counters)');
  return message as HandoverMessage;
}
