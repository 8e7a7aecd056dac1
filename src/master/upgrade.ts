// The old master's side of an upgrade. Until the successor reports ready nothing here
// changes, and a successor that fails in any way (bad binary, crash, missed deadline)
// is stopped (TERM, then KILL past its own drain deadline) while this master serves on.
// Once it is ready (the point of no return) this master drains its workers, handing
// idle connections to the successor's, releases the control socket and exits when the
// successor has taken over. If the successor dies after that point, this master starts
// workers again (recovering). A stop after the point of no return is carried over: the
// successor is stopped once it has taken over, and the stop answered when it is gone.
import { errors } from '../errors.js';
import type { BatonError } from '../errors.js';
import { HANDOVER_V2 } from '../protocol/handover.js';
import type { HandoverMessage, SuccessorMessage } from '../protocol/handover.js';
import type { UpgradeResult } from '../protocol/control.js';
import { BATON_VERSION } from '../version.js';
import type { NativeHandle } from './handoff.js';
import type { Master, Reply } from './master.js';
import type { SuccessorHandle, Timer } from './os.js';
import type { Fact } from './reconcile.js';
import { StartRun } from './rollout.js';
import type { Outcome, Run } from './rollout.js';
import type { StopRun, StopWaiter } from './stop.js';

export type UpgradeItem =
  | { type: 'successor-message'; run: UpgradeRun; message: SuccessorMessage; handle: NativeHandle | undefined }
  | { type: 'successor-exit'; run: UpgradeRun; reason: string }
  | { type: 'upgrade-deadline'; run: UpgradeRun; waiting: 'ready' | 'took-over' };

/** One upgrade, from spawning the successor to its takeover (the phase is in the master's state). */
export class UpgradeRun implements Run<never> {
  successor: SuccessorHandle | undefined;
  readonly startedAt: number;
  /** The first reason the upgrade failed; answered once the successor is gone. */
  failure: BatonError | undefined;
  ready: { pid: number; node: string } | undefined;
  readonly carried: StopWaiter[] = [];
  deadline: Timer | undefined;
  /** Set once the reply has gone out. */
  answered = false;

  constructor(
    private readonly master: Master,
    readonly node: string,
    readonly reply: Reply<UpgradeResult>,
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
export function beginUpgrade(master: Master, nodeArg: string | undefined, reply: Reply): void {
  const node = nodeArg ?? master.options.nodePath;
  const run = new UpgradeRun(master, node, reply as Reply<UpgradeResult>);
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
  };
  run.successor = master.os.spawnSuccessor(
    { nodePath: node, cwd: source.cwd, env: process.env, handover, listeners: master.listeners, healthFd },
    {
      message: (message, handle) => master.post({ type: 'successor-message', run, message, handle }),
      exit: (reason) => master.post({ type: 'successor-exit', run, reason }),
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
  'successor-exit': (master, { run, reason }) => {
    const phase = phaseOf(master, run);
    const pid = run.successorPid ?? 'none';
    if (phase === 'preparing') {
      fail(master, run, errors.upgradeFailed(`the new master (pid ${pid}) ${reason} before it was ready`));
      answerFailure(master, run, run.failure!);
      master.move({ kind: 'serving' });
    } else if (phase === 'draining' || phase === 'handing-over') {
      recover(master, run, `the new master (pid ${pid}) ${reason} before it took over`);
    } else if (master.state.kind === 'handed-over') {
      for (const waiter of run.carried.splice(0)) waiter.resolve({ stopped: true, pid: run.successorPid ?? process.pid });
      master.finish({ code: 0 });
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
function commit(master: Master, run: UpgradeRun, ready: { pid: number; node: string }): void {
  run.deadline?.cancel();
  run.ready = { pid: ready.pid, node: ready.node };
  master.move({ kind: 'upgrading', phase: 'draining', run });
  // The successor answers health checks now (it is ready); this master, draining, stops.
  master.endpoints.closeHealth();
  // The metrics port is bound anew by the successor when it takes over.
  master.endpoints.closeMetrics();
  master.log.info(`upgrade: new master ${ready.pid} (node ${ready.node}) is ready; draining this master's workers`);
  const successor = run.successor!;
  master.cluster.setExternalRoute((key, hops, handle) => successor.send({ v: HANDOVER_V2, type: 'adopt', key, hops }, handle, () => handle.close()));
  master.cluster.drainAll(true);
}

/** Called after each item while draining: once no worker is left, hand the control socket over. */
export function drained(master: Master, run: UpgradeRun): void {
  if (phaseOf(master, run) !== 'draining' || !master.cluster.idle()) return;
  master.move({ kind: 'upgrading', phase: 'handing-over', run });
  master.endpoints.releaseControl();
  run.successor!.send({ v: HANDOVER_V2, type: 'takeover' });
  run.deadline = master.os.timer(master.options.upgradeTimeoutMs, () => master.post({ type: 'upgrade-deadline', run, waiting: 'took-over' }));
}

function handedOver(master: Master, run: UpgradeRun, pid: number): void {
  run.deadline?.cancel();
  master.move({ kind: 'handed-over', to: pid });
  void master.os.notifySystemd(`MAINPID=${pid}`).then((warning) => warning && master.log.warn(warning));
  master.log.info(`upgrade: master ${pid} has taken over; master ${process.pid} exits`);
  run.answered = true;
  run.reply.resolve({ pid, previousPid: process.pid, node: run.ready?.node ?? '' });
  if (run.carried.length === 0) {
    master.finish({ code: 0 });
    return;
  }
  // A stop came after the point of no return: it is the new master's now.
  master.log.info(`upgrade: passing the stop on to master ${pid}`);
  run.successor!.terminate(successorGraceMs(master));
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
  master.log.error(`upgrade failed after the new master was ready: ${reason}; starting workers again in master ${process.pid}`);
  const message = `${reason}; master ${process.pid} started new workers and keeps serving`;
  record(master, run, message);
  master.cluster.setExternalRoute(undefined);
  master.cluster.active = true;
  master.move({ kind: 'recovering', run: new StartRun(master.cluster), reply: run.reply, reason: message });
  run.answered = true;
  const reopen = async () => {
    await master.endpoints.openHealth();
    await master.endpoints.openMetrics();
    await master.endpoints.openControl();
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

function phaseOf(master: Master, run: UpgradeRun): 'preparing' | 'draining' | 'handing-over' | undefined {
  const state = master.state;
  return state.kind === 'upgrading' && state.run === run ? state.phase : undefined;
}
