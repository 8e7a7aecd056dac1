// What the master does when an operation ends: the first start (serving, or for a
// successor, telling the old master it is ready), a recovery after a failed upgrade,
// a reload (recorded for status and metrics) and a memory swap. The upgrade moves on by
// its own items (upgrade.ts); here it only checks whether its drain is done.
import { errors } from '../errors.js';
import type { Master } from './master.js';
import type { Outcome } from './rollout.js';
import type { MasterState } from './state.js';
import { stopFor } from './stop.js';
import { lingerOrExit } from './upgrade.js';
import { withoutStderr } from './worker-events.js';

/** Moves the current operation on, and acts on its outcome once it has one. */
export function stepRun(m: Master): void {
  const state = m.state;
  if (state.kind === 'upgrading') return;
  if (state.kind === 'handed-over') return lingerOrExit(m, state.run);
  const outcome = m.runOf()?.step();
  if (!outcome || m.state !== state) return;
  switch (state.kind) {
    case 'starting':
    case 'standby':
      return onStarted(m, outcome as Outcome<number>);
    case 'recovering':
      return onRecovered(m, state, outcome as Outcome<number>);
    case 'reloading':
      return onReloaded(m, state, outcome as Outcome<{ generation: number; workers: number }>);
    case 'swapping':
      m.move({ kind: 'serving' });
      if (!outcome.ok) m.log.error(outcome.error.message);
      return state.reply.resolve(undefined);
  }
}

function onStarted(m: Master, outcome: Outcome<number>): void {
  if (!outcome.ok) {
    // The start failed: what did start drains, and the master exits with the reason.
    m.predecessor?.tell({ type: 'failed', reason: outcome.error.message });
    stopFor(m).fail(outcome.error);
    return;
  }
  m.servedOnce = true;
  m.log.info(`cluster ready: ${m.cluster.slots.length} worker${m.cluster.slots.length === 1 ? '' : 's'} of generation ${outcome.value}`);
  if (m.predecessor) return m.predecessor.onStarted(m);
  m.move({ kind: 'serving' });
  void m.os.notifySystemd('READY=1').then((warning) => warning && m.log.warn(warning));
}

function onRecovered(m: Master, state: Extract<MasterState, { kind: 'recovering' }>, outcome: Outcome<number>): void {
  if (!outcome.ok) {
    m.log.error(`could not recover: ${outcome.error.message}`);
    state.reply.reject(errors.upgradeFailed(`${state.reason}, then could not start workers again: ${outcome.error.message}`));
    stopFor(m).fail(outcome.error);
    return;
  }
  m.log.info(`recovered: ${m.cluster.slots.length} worker${m.cluster.slots.length === 1 ? '' : 's'} of generation ${outcome.value} serving`);
  m.move({ kind: 'serving' });
  state.reply.reject(errors.upgradeFailed(state.reason));
}

function onReloaded(m: Master, state: Extract<MasterState, { kind: 'reloading' }>, outcome: Outcome<{ generation: number; workers: number }>): void {
  const durationMs = m.os.now() - state.startedAt;
  const generation = state.run!.generation;
  m.move({ kind: 'serving' });
  const record = { kind: 'reload' as const, generation, startedAt: new Date(state.startedAt).toISOString(), durationMs };
  if (outcome.ok) {
    m.lastReload = { ...record, ok: true };
    m.metrics?.recordOperation('reload', 'ok', durationMs / 1000);
    m.log.info(`reload: generation ${generation} serving on ${outcome.value.workers === 1 ? '1 worker' : `all ${outcome.value.workers} workers`} (${durationMs}ms)`);
    state.reply.resolve({ generation, durationMs, workers: outcome.value.workers });
  } else {
    m.lastReload = { ...record, ok: false, error: outcome.error.message };
    if (outcome.error.code !== 'BATON_STOPPING') m.metrics?.recordOperation('reload', 'failed', durationMs / 1000);
    m.log.error(withoutStderr(outcome.error.message));
    state.reply.reject(outcome.error);
  }
}
