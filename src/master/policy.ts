// What each request gets in each master state: run now, wait in the queue until the
// master is serving, join the stop already running, be carried over to the successor,
// or be refused with a coded error. One table, read by the master loop, printed in
// the README (a unit test keeps the two identical).
import { errors } from '../errors.js';
import type { BatonError } from '../errors.js';
import { STATE_LABELS } from './state.js';
import type { StateLabel } from './state.js';

/** Requests whose answer depends on the state. status, logs and reopen-logs always run. */
export type Ask = 'reload' | 'upgrade' | 'stop' | 'swap';
export const ASKS: readonly Ask[] = ['reload', 'upgrade', 'stop', 'swap'];

export type Refusal = 'busy' | 'stopping' | 'taking-over' | 'handing-over';

export type Decision =
  | { action: 'run' }
  /** Decided again once the master is serving. */
  | { action: 'queue' }
  /** A stop that is already running: answered when it is done. */
  | { action: 'join' }
  /** A stop after the point of no return of an upgrade: the successor is stopped once it has taken over. */
  | { action: 'carry' }
  /** An internal request (the memory watch) dropped: it asks again at its next tick. */
  | { action: 'skip' }
  | { action: 'refuse'; why: Refusal };

const run = { action: 'run' } as const;
const queue = { action: 'queue' } as const;
const join = { action: 'join' } as const;
const carry = { action: 'carry' } as const;
const skip = { action: 'skip' } as const;
const refuse = (why: Refusal) => ({ action: 'refuse', why }) as const;

const TABLE: Record<StateLabel, Record<Ask, Decision>> = {
  // Start-up: a reload or upgrade waits for the first workers; a stop ends the start.
  starting: { reload: queue, upgrade: queue, stop: run, swap: skip },
  // A successor takes no operation until it owns the control socket (no third master).
  standby: { reload: refuse('taking-over'), upgrade: refuse('taking-over'), stop: run, swap: skip },
  'taking-over': { reload: queue, upgrade: queue, stop: queue, swap: skip },
  serving: { reload: run, upgrade: run, stop: run, swap: run },
  // One operation at a time; a stop wins over a reload (which fails) or a swap.
  reloading: { reload: refuse('busy'), upgrade: refuse('busy'), stop: run, swap: skip },
  // A swap replaces one worker in seconds: what comes meanwhile waits for it.
  swapping: { reload: queue, upgrade: queue, stop: run, swap: skip },
  // Before the successor is ready, a stop kills it and stops this master.
  'upgrading:preparing': { reload: refuse('busy'), upgrade: refuse('busy'), stop: run, swap: skip },
  // After it, the successor will own the service: a stop goes to it.
  'upgrading:handing-over': { reload: refuse('handing-over'), upgrade: refuse('handing-over'), stop: carry, swap: skip },
  recovering: { reload: refuse('busy'), upgrade: refuse('busy'), stop: run, swap: skip },
  'stopping:grace': { reload: refuse('stopping'), upgrade: refuse('stopping'), stop: join, swap: skip },
  'stopping:draining': { reload: refuse('stopping'), upgrade: refuse('stopping'), stop: join, swap: skip },
  stopped: { reload: refuse('stopping'), upgrade: refuse('stopping'), stop: join, swap: skip },
  'handed-over': { reload: refuse('handing-over'), upgrade: refuse('handing-over'), stop: join, swap: skip },
};

/** What `ask` gets in state `label`. */
export function decide(label: StateLabel, ask: Ask): Decision {
  return TABLE[label][ask];
}

/** The coded error for a refusal; `peer` is the other master of an upgrade, if known. */
export function refusalError(why: Refusal, peer?: number): BatonError {
  switch (why) {
    case 'busy':
      return errors.reloadInProgress();
    case 'stopping':
      return errors.stopping();
    case 'taking-over':
      return errors.takingOver(peer);
    case 'handing-over':
      return errors.handingOver(peer);
  }
}

const WORDS: Record<Decision['action'], string> = { run: 'run', queue: 'queued', join: 'joins the stop', carry: 'carried to the new master', skip: 'skipped', refuse: 'refused' };

/** The table as Markdown, as the README shows it. */
export function renderPolicyTable(): string {
  const cell = (d: Decision) => (d.action === 'refuse' ? `refused (${d.why})` : WORDS[d.action]);
  const lines = ['| state | `reload` / SIGHUP | `upgrade` / SIGUSR2 | `stop` / SIGTERM / SIGINT | memory swap |', '|---|---|---|---|---|'];
  for (const label of STATE_LABELS) {
    const row = TABLE[label];
    lines.push(`| \`${label}\` | ${ASKS.map((ask) => cell(row[ask])).join(' | ')} |`);
  }
  return lines.join('\n');
}
