// How a successor reads what its old master handed it, whichever release that master
// runs: version 1 (release 0.1.0) in the BATON_HANDOVER variable, version 2 as the first
// IPC message. Before anything starts, the successor resolves its settings (the config
// file as it is now, the app's entry file) and says precisely what is wrong if it cannot,
// so a bad deploy fails the upgrade while the old master serves on.
import { accessSync, constants } from 'node:fs';
import type { MasterOptions } from '../config/options.js';
import { errors, isBatonError } from '../errors.js';
import { HANDOVER_ENV, HANDOVER_V2, HANDOVER_VERSION, parseHandoverMessage, readHandover } from '../protocol/handover.js';
import type { HandedListener, StartSource, SupervisorCounters } from '../protocol/handover.js';
import type { OperationRecord } from '../protocol/control.js';
import type { PredecessorLink } from './successor.js';

/** How long a version-2 successor waits for its handover message. */
const HANDOVER_WAIT_MS = 10_000;

/** The handover, whichever version it came in, with the settings resolved. */
export interface Handed {
  version: number;
  fromPid: number;
  startedAt: string;
  listeners: HandedListener[];
  health: boolean;
  counters: SupervisorCounters;
  options: MasterOptions;
  lastReload: OperationRecord | null;
}

/** Reads and checks the handover; on failure tells the old master why (in its version) and throws. */
export async function receiveHandover(link: PredecessorLink, env: NodeJS.ProcessEnv, resolveStart: (source: StartSource) => Promise<MasterOptions>): Promise<Handed> {
  if (env[HANDOVER_ENV] !== undefined) {
    let state;
    try {
      state = readHandover(env);
    } catch (err) {
      link.configure(0, HANDOVER_VERSION, '', undefined);
      link.tell({ type: 'failed', reason: (err as Error).message });
      throw err;
    } finally {
      // Children of the app must not see it; nor must this master's own successor.
      delete env[HANDOVER_ENV];
    }
    link.configure(state.fromPid, HANDOVER_VERSION, state.startedAt, undefined);
    // Release 0.1.0 resolved the settings itself (config file included) just before.
    const options = { ...state.options, nodePath: process.execPath };
    checkApp(link, options.app);
    return { version: HANDOVER_VERSION, fromPid: state.fromPid, startedAt: state.startedAt, listeners: state.listeners, health: state.health, counters: state.counters, options, lastReload: null };
  }
  if (typeof process.send !== 'function') throw errors.usage('this command is only run by a baton master during an upgrade');
  let raw: unknown;
  try {
    raw = await link.nextHandover(HANDOVER_WAIT_MS);
  } catch (err) {
    throw errors.upgradeFailed((err as Error).message);
  }
  let message;
  try {
    message = parseHandoverMessage(raw);
  } catch (err) {
    // Answer in the version the old master wrote, the one it can read.
    const v = (raw as { v?: unknown } | null)?.v;
    link.configure(0, typeof v === 'number' ? v : HANDOVER_V2, '', undefined);
    link.tell({ type: 'failed', reason: (err as Error).message });
    throw err;
  }
  link.configure(message.fromPid, HANDOVER_V2, message.startedAt, undefined);
  let options: MasterOptions;
  try {
    options = await resolveStart(message.source);
  } catch (err) {
    const reason = `the new release cannot start with this configuration: ${(err as Error).message}`;
    link.tell({ type: 'failed', reason });
    throw isBatonError(err) ? errors.upgradeFailed(reason) : err;
  }
  checkApp(link, options.app);
  return {
    version: HANDOVER_V2,
    fromPid: message.fromPid,
    startedAt: message.startedAt,
    listeners: message.listeners,
    health: message.health,
    counters: message.counters,
    options,
    lastReload: message.lastReload ?? null,
  };
}

/** The app's entry file must be readable by this process, or nothing can start. */
function checkApp(link: PredecessorLink, app: string): void {
  try {
    accessSync(app, constants.R_OK);
  } catch (err) {
    const reason = `the app's entry file ${app} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); deploy it, or fix its permissions`;
    link.tell({ type: 'failed', reason });
    throw errors.upgradeFailed(reason);
  }
}
