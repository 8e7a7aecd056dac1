// The old master's side of an upgrade. Until the successor reports ready nothing here
// changes, and a successor that fails in any way (bad binary, crash, missed deadline)
// is stopped (TERM, then KILL past its own drain deadline) while this master serves on.
// Once it is ready (the point of no return) this master tells its workers to drain,
// handing idle connections to the successor's, and releases the control socket at once:
// the upgrade is done when the successor has taken over. This master then lingers only
// while its workers finish draining in the background, and exits. If the successor dies
// (crashes, is killed) at any moment after the point of no return while this master
// still runs, this master takes the service back and starts workers again. A stop after
// the point of no return is carried over: the successor is stopped once it has taken
// over, and the stop answered when it is gone.
import { errors } from '../errors.js';
import type { BatonError } from '../errors.js';
import { HANDOVER_V2 } from '../protocol/handover.js';
import type { HandoverMessage, SuccessorMessage } from '../protocol/handover.js';
import type { UpgradeResult } from '../protocol/control.js';
import { BATON_VERSION } from '../version.js';
import type { NativeHandle } from './handoff.js';
import type { Master, Reply } from './master.js';
import type { SuccessorHandle, Timer } from './os.js';
import type { Fact } from './cluster-model.js';
import { StartRun } from './rollout.js';
import type { Outcome, Run } from './rollout.js';
import type { StopRun, StopWaiter } from './stop.js';

export type UpgradeItem =
  | { type: 'successor-message'; run: UpgradeRun; message: SuccessorMessage; handle: NativeHandle | undefined }
  /** `clean`: it exited with code 0 (it was stopped, or handed over in its turn), not a crash. */
  | { type: 'successor-exit'; run: UpgradeRun; reason: string; clean: boolean }
  | { type: 'upgrade-deadline'; run: UpgradeRun; waiting: 'ready' | 'took-over' };

/** One upgrade, from spawning the successor to its takeover (the phase is in the master's state). */
export class UpgradeRun implements Run<never> {
  successor: SuccessorHandle | undefined;
  readonly startedAt: number;
  /** The first reason the upgrade failed; answered once the successor is gone. */
  failure: BatonError | undefined;
  ready: { pid: number; node: string } | undefined;
  readonly carried: StopWaiter[] = [];
  /** The carried stop was answered (the successor has gone). */
  carryDone = false;
  deadline: Timer | undefined;
  /** Set once the reply has gone out. */
  answered = false;
  /** The result, kept for a caller who waits until this master's workers have drained. */
  result: UpgradeResult | undefined;

  constructor(
    private readonly master: Master,
    readonly node: string,
    readonly reply: Reply<UpgradeResult>,
    /** --wait-drained: answer once this master's workers have all gone, not at takeover. */
    readonly waitDrained = false,
  ) {
    this.startedAt = master.os.now();
  }

  get successorPid(): number | undefined {
    return this.successor?.pid;
  }

  notice(_fact: Fact): void {}

  step(): Outcome<never> | undefined {
    return undefined;
  }

  /** A fault in a handler: before the point of no return the upgrade fails; after it, it goes on. */
  abort(error: BatonError): void {
    if (phaseOf(this.master, this) === 'preparing') fail(this.master, this, error);
  }

  /** A stop after the point of no return: answered once the successor has taken over and stopped. */
  carry(waiter: StopWaiter): void {
    this.carried.push(waiter);
  }

  /** A stop before the point of no return wins: the successor is stopped, the upgrade fails. */
  giveWay(stop: StopRun): void {
    const master = this.master;
    this.deadline?.cancel();
    if (this.successor && !this.successor.gone) {
      this.successor.terminate(successorGraceMs(master));
      stop.lingering.push(this.successor);
    }
    answerFailure(master, this, errors.stopping());
  }
}

/** Starts an upgrade: checks the binary, spawns the successor with the handover. */
export function beginUpgrade(master: Master, nodeArg: string | undefined, reply: Reply, waitDrained = false): void {
  const node = nodeArg ?? master.options.nodePath;
  const run = new UpgradeRun(master, node, reply as Reply<UpgradeResult>, waitDrained);
  if (!master.os.isExecutable(node)) {
    answerFailure(master, run, errors.upgradeFailed(`the Node.js binary ${node} does not exist or is not executable; give the path of a node binary with --node`));
    return;
  }
  const source = master.options.source;
  if (!source) {
    answerFailure(master, run, errors.upgradeFailed('this master has no record of how it was started, so a new one cannot be started from it; restart baton'));
    return;
  }
  master.move({ kind: 'upgrading', phase: 'preparing', run });
  const healthFd = master.endpoints.healthFd();
  const handover: HandoverMessage = {
    v: HANDOVER_V2,
    type: 'handover',
    fromPid: process.pid,
    baton: BATON_VERSION,
    startedAt: new Date(run.startedAt).toISOString(),
    source,
    nodePath: node,
    listeners: master.listeners.map((l) => ({ key: l.key, spec: l.spec, host: l.host, port: l.port })),
    health: healthFd !== undefined,
    counters: master.cluster.counters(),
    lastReload: master.lastReload,
  };
  run.successor = master.os.spawnSuccessor(
    { nodePath: node, cwd: source.cwd, env: process.env, handover, listeners: master.listeners, healthFd },
    {
      message: (message, handle) => master.post({ type: 'successor-message', run, message, handle }),
      exit: (reason, clean) => master.post({ type: 'successor-exit', run, reason, clean }),
    },
  );
  master.log.info(`upgrade: started new master ${run.successor.pid ?? '?'} on ${node}; waiting for its workers`);
  run.deadline = master.os.timer(master.options.upgradeTimeoutMs, () => master.post({ type: 'upgrade-deadline', run, waiting: 'ready' }));
}

/** The upgrade's items, by type: node's cluster-style dispatch table. */
export const UPGRADE_HANDLERS: { [K in UpgradeItem['type']]: (master: Master, item: Extract<UpgradeItem, { type: K }>) => void } = {
  'successor-message': (master, { run, message, handle }) => {
    if (message?.v === undefined) return;
    const phase = phaseOf(master, run);
    if (message.type === 'adopt' && handle) master.cluster.adopt(message.key, message.hops, handle);
    else if (message.type === 'ready' && phase === 'preparing' && !run.failure) commit(master, run, message);
    else if (message.type === 'failed' && phase === 'preparing') fail(master, run, errors.upgradeFailed(`the new master failed: ${message.reason}`));
    else if (message.type === 'took-over' && phase === 'handing-over') handedOver(master, run, message.pid);
  },
  'successor-exit': (master, { run, reason, clean }) => {
    const phase = phaseOf(master, run);
    const pid = run.successorPid ?? 'none';
    if (phase === 'preparing') {
      fail(master, run, errors.upgradeFailed(`the new master (pid ${pid}) ${reason} before it was ready`));
      answerFailure(master, run, run.failure!);
      master.move({ kind: 'serving' });
    } else if (phase === 'handing-over') {
      recover(master, run, `the new master (pid ${pid}) ${reason} before it took over`);
    } else if (master.state.kind === 'handed-over' && master.state.to === run.successorPid) {
      if (run.carried.length > 0) {
        for (const waiter of run.carried.splice(0)) waiter.resolve({ stopped: true, pid: run.successorPid ?? process.pid });
        run.carryDone = true;
      } else if (!clean) {
        // The live master died while this one still runs: take the service back.
        recover(master, run, `the new master (pid ${pid}) ${reason} after it took over`);
      }
    }
  },
  'upgrade-deadline': (master, { run, waiting }) => {
    const phase = phaseOf(master, run);
    const ms = master.options.upgradeTimeoutMs;
    const late = errors.upgradeFailed(`the new master (pid ${run.successorPid}) was not ${waiting} within ${ms}ms (--upgrade-timeout)`);
    if (waiting === 'ready' && phase === 'preparing') fail(master, run, late);
    else if (waiting === 'took-over' && phase === 'handing-over') {
      master.log.error(late.message);
      run.successor?.terminate(master.options.killTimeoutMs);
    }
  },
};

/** The successor is ready: the point of no return. */
function commit(master: Master, run: UpgradeRun, ready: { pid: number; node: string; replacesControl?: boolean }): void {
  run.deadline?.cancel();
  run.ready = { pid: ready.pid, node: ready.node };
  master.move({ kind: 'upgrading', phase: 'handing-over', run });
  // The successor answers health checks now (it is ready); this master, draining, stops.
  master.endpoints.closeHealth();
  // The metrics port is bound anew by the successor when it takes over.
  master.endpoints.closeMetrics();
  master.log.info(`upgrade: new master ${ready.pid} (node ${ready.node}) is ready; draining this master's workers`);
  const successor = run.successor!;
  master.cluster.setExternalRoute((key, hops, handle, written) => successor.send({ v: HANDOVER_V2, type: 'adopt', key, hops }, handle, written));
  master.cluster.drainAll(true);
  // The workers drain in the background: the successor takes the control socket now.
  // When it replaces the file in one rename, this master answers until it has; a
  // successor that binds only a free path (0.1.0) gets it free first.
  if (!(ready.replacesControl === true && master.endpoints.keepsControlThroughHandover())) master.endpoints.releaseControl();
  successor.send({ v: HANDOVER_V2, type: 'takeover' });
  run.deadline = master.os.timer(master.options.upgradeTimeoutMs, () => master.post({ type: 'upgrade-deadline', run, waiting: 'took-over' }));
}

function handedOver(master: Master, run: UpgradeRun, pid: number): void {
  run.deadline?.cancel();
  // The successor's socket has the file now; this one stops answering.
  master.endpoints.releaseControl();
  master.move({ kind: 'handed-over', to: pid, run });
  void master.os.notifySystemd(`MAINPID=${pid}`).then((warning) => warning && master.log.warn(warning));
  const left = master.cluster.workers.size;
  master.log.info(`upgrade: master ${pid} has taken over; master ${process.pid} exits${left ? ` once its ${left} draining workers have finished` : ''}`);
  run.result = { pid, previousPid: process.pid, node: run.ready?.node ?? '' };
  if (!run.waitDrained) {
    run.answered = true;
    run.reply.resolve(run.result);
  }
  if (run.carried.length > 0) {
    // A stop came after the point of no return: it is the new master's now.
    master.log.info(`upgrade: passing the stop on to master ${pid}`);
    run.successor!.terminate(successorGraceMs(master));
  }
}

/** After each item once handed over: exit when the workers have drained and a carried stop is done. */
export function lingerOrExit(master: Master, run: UpgradeRun): void {
  // Every worker gone, and every connection they handed on written to the new master.
  if (master.state.kind !== 'handed-over' || !master.cluster.idle()) return;
  if (run.carried.length > 0 && !run.carryDone) return;
  if (!run.answered && run.result) {
    run.answered = true;
    run.reply.resolve(run.result);
  }
  master.finish({ code: 0 });
}

/** The first failure before the point of no return: stop the successor, answer once it is gone. */
function fail(master: Master, run: UpgradeRun, error: BatonError): void {
  if (run.failure) return;
  run.failure = error;
  run.deadline?.cancel();
  run.successor?.terminate(successorGraceMs(master));
}

/** The successor died after the point of no return: workers again, here. */
function recover(master: Master, run: UpgradeRun, reason: string): void {
  run.deadline?.cancel();
  const tookOver = master.state.kind === 'handed-over';
  master.log.error(`${tookOver ? 'the new master died' : 'upgrade failed after the new master was ready'}: ${reason}; starting workers again in master ${process.pid}`);
  const message = `${reason}; master ${process.pid} started new workers and keeps serving`;
  record(master, run, message);
  master.cluster.setExternalRoute(undefined);
  master.cluster.active = true;
  // A caller already told the upgrade succeeded hears nothing more; the log says it all.
  const reply = run.answered ? { resolve: () => {}, reject: () => {} } : run.reply;
  master.move({ kind: 'recovering', run: new StartRun(master.cluster), reply, reason: message });
  run.answered = true;
  const reopen = async () => {
    await master.endpoints.openHealth();
    await master.endpoints.openMetrics();
    // The dead master's control socket file is stale: it is replaced.
    await master.endpoints.openControl(true);
    if (master.options.pidFile) master.os.writePidFile(master.options.pidFile);
    if (tookOver) {
      const warning = await master.os.notifySystemd(`MAINPID=${process.pid}`);
      if (warning) master.log.warn(warning);
    }
  };
  reopen().catch((err: Error) => master.log.error(`recovering: ${err.message}`));
}

/** Answers the upgrade's caller with a failure (once) and records it for status and metrics. */
export function answerFailure(master: Master, run: UpgradeRun, error: BatonError): void {
  if (run.answered) return;
  run.answered = true;
  record(master, run, error.message);
  master.log.error(`upgrade failed, this master (${process.pid}) keeps serving: ${error.message}`);
  run.reply.reject(error);
}

function record(master: Master, run: UpgradeRun, message: string): void {
  const durationMs = master.os.now() - run.startedAt;
  master.lastUpgrade = {
    kind: 'upgrade',
    generation: master.cluster.generation,
    ok: false,
    startedAt: new Date(run.startedAt).toISOString(),
    durationMs,
    error: message,
    fromPid: process.pid,
    ...(run.successorPid === undefined ? {} : { toPid: run.successorPid }),
  };
  master.metrics?.recordOperation('upgrade', 'failed', durationMs / 1000);
}

/** A successor stopped by its old master gets its own drain deadline, not only --kill-timeout. */
function successorGraceMs(master: Master): number {
  return master.options.drainTimeoutMs + master.options.killTimeoutMs + 1000;
}

function phaseOf(master: Master, run: UpgradeRun): 'preparing' | 'handing-over' | undefined {
  const state = master.state;
  return state.kind === 'upgrading' && state.run === run ? state.phase : undefined;
}
