// A graceful stop: optionally tell the load balancer first (/healthz 503 for
// --lb-grace, still serving), then drain every worker (in-flight requests finish) and
// exit once none is left and any successor this master was starting is gone. A stop
// wins over a reload, a swap or an upgrade before its point of no return; after that
// point it is carried to the new master (upgrade.ts). Every stop asked meanwhile joins.
import { errors } from '../errors.js';
import type { BatonError } from '../errors.js';
import type { StopResult } from '../protocol/control.js';
import type { Master, MasterRequest, Reply } from './master.js';
import type { SuccessorHandle } from './os.js';

export type StopWaiter = Reply<StopResult>;

/** The stop under way: who waits for it, and what must be gone before the master exits. */
export class StopRun {
  readonly waiters: StopWaiter[] = [];
  /** A successor being killed because the stop won over its upgrade. */
  readonly lingering: SuccessorHandle[] = [];
  /** Set when the master stops because it failed (its start, or a recovery). */
  error: BatonError | undefined;
  /** Idle connections go to the old master (a successor stopping before it took over). */
  handoff = false;
  /** /healthz says 503 from the start of this stop (it began with --lb-grace). */
  leaving = false;
}

/** Handles a stop request as the table decided: run it, join the one running, or carry it on. */
export function beginStop(master: Master, action: 'run' | 'join' | 'carry', waiter: StopWaiter, request: MasterRequest): void {
  const state = master.state;
  if (action === 'carry' && state.kind === 'upgrading') {
    state.run.carry(waiter);
    return;
  }
  if (action === 'join' || action === 'carry') {
    if (state.kind === 'stopping') state.stop.waiters.push(waiter);
    else waiter.resolve({ stopped: true, pid: process.pid });
    return;
  }
  const stop = new StopRun();
  stop.waiters.push(waiter);
  // What ran gives way; its caller hears that the cluster is stopping.
  if (state.kind === 'upgrading') {
    state.run.giveWay(stop);
  } else {
    master.cancelRun(errors.stopping());
  }
  const serving = state.kind !== 'starting' && state.kind !== 'standby';
  const graceMs = request.args?.lbGraceMs ?? master.options.lbGraceMs;
  const grace = serving && master.options.health && graceMs > 0 ? graceMs : 0;
  master.log.info(`${request.from}: stopping gracefully${grace ? `; /healthz says 503 for ${grace}ms first (--lb-grace)` : ''}`);
  if (state.kind === 'standby' || state.kind === 'starting') master.predecessor?.onStopping(master, stop);
  if (grace > 0) {
    stop.leaving = true;
    master.move({ kind: 'stopping', phase: 'grace', stop });
    master.os.timer(grace, () => master.post({ type: 'grace-over' }));
    return;
  }
  master.move({ kind: 'stopping', phase: 'draining', stop });
  drain(master, stop);
}

/** The stopping master's next steps, for the loop. */
export function stopFor(master: Master): { drain(): void; fail(error: BatonError): void } {
  return {
    drain() {
      const state = master.state;
      if (state.kind !== 'stopping' || state.phase !== 'grace') return;
      master.move({ kind: 'stopping', phase: 'draining', stop: state.stop });
      drain(master, state.stop);
    },
    fail(error) {
      const stop = new StopRun();
      stop.error = error;
      if (master.state.kind === 'standby') master.predecessor?.onStopping(master, stop);
      master.move({ kind: 'stopping', phase: 'draining', stop });
      drain(master, stop);
    },
  };
}

function drain(master: Master, stop: StopRun): void {
  const n = master.cluster.workers.size;
  master.log.info(n === 0 ? 'stopping: no worker left to drain' : `stopping: draining ${n} worker${n === 1 ? '' : 's'}`);
  master.cluster.drainAll(stop.handoff);
}

/** Once every worker and any lingering successor are gone: stopped, answered, exit. */
export function finishStopIfDone(master: Master): void {
  const state = master.state;
  if (state.kind !== 'stopping' || state.phase !== 'draining') return;
  if (!master.cluster.idle() || state.stop.lingering.some((s) => !s.gone)) return;
  master.move({ kind: 'stopped' });
  master.log.info('stopped: every worker has exited');
  for (const waiter of state.stop.waiters) waiter.resolve({ stopped: true, pid: process.pid });
  master.finish(state.stop.error ? { code: state.stop.error.exitCode, error: state.stop.error } : { code: 0 });
}
