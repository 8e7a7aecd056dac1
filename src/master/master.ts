// One master process and the one owner of its mutable state: the MasterState union,
// the cluster, the request queue. Signals, control requests, timers, the memory watch
// and worker or successor events only post items to the loop; each item is handled to
// completion, then the cluster converges and the running operation moves on. What a
// request gets in each state is policy.ts's table. A fault inside a handler fails that
// operation, is logged with its stack, and leaves the cluster serving.
import { errors, isBatonError } from '../errors.js';
import type { BatonError } from '../errors.js';
import { DEFAULTS } from '../config/options.js';
import type { MasterOptions } from '../config/options.js';
import type { OperationRecord, StatusSnapshot } from '../protocol/control.js';
import type { SupervisorCounters } from '../protocol/handover.js';
import type { Endpoints } from './endpoints.js';
import type { Listener } from './listeners.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { MasterOs } from './os.js';
import type { Ask } from './policy.js';
import { Cluster } from './reconcile.js';
import type { ClusterEvent, ClusterSettings } from './cluster-model.js';
import type { MasterState } from './state.js';
import { Loop } from './loop.js';
import { stepRun } from './outcomes.js';
import { onConfig, onRequest } from './requests.js';
import { StatusReader } from './status.js';
import { StartRun } from './rollout.js';
import type { Run } from './rollout.js';
import { transition } from './state.js';
import { finishStopIfDone, stopFor } from './stop.js';
import { UPGRADE_HANDLERS } from './upgrade.js';
import type { UpgradeItem } from './upgrade.js';
import { SUCCESSOR_HANDLERS } from './successor.js';
import type { PredecessorLink, SuccessorItem } from './successor.js';
import { workerSpec } from './worker-spec.js';

/** How a request is answered. */
export interface Reply<T = unknown> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** A request to the master, from the control socket, a signal, watch mode or the memory watch. */
export interface MasterRequest {
  cmd: 'status' | 'logs' | 'reopen-logs' | Ask;
  args?: { batch?: string; node?: string; lbGraceMs?: number; waitDrained?: boolean };
  /** Who asked, for the log: "baton reload", "SIGHUP", "watch", "--max-memory". */
  from: string;
}

export type Item =
  | { type: 'request'; request: MasterRequest; reply: Reply }
  | ClusterEvent
  | { type: 'config'; result: MasterOptions | Error }
  | { type: 'grace-over' }
  /** Once a second: stuck workers are replaced; with --max-memory, a swap is asked for. */
  | { type: 'tick' }
  | UpgradeItem
  | SuccessorItem;

/** What a master is built from. */
export interface MasterDeps {
  options: MasterOptions;
  listeners: Listener[];
  log: Logger;
  os: MasterOs;
  metrics: Metrics | undefined;
  /** The options as the command line and the config file give them now (throws if the file is invalid). */
  resolveOptions: () => Promise<MasterOptions>;
  /** Counters carried over from the previous master. */
  resume?: SupervisorCounters;
  /** Set for a successor: its channel to the old master. */
  predecessor?: PredecessorLink;
}

/** How a master ends: its exit code, and the reason when it failed. */
export interface MasterExit {
  code: number;
  error?: BatonError;
}

const TICK_MS = 1000;

/** The master's state machine; see the module comment. */
export class Master {
  state: MasterState;
  readonly cluster: Cluster;
  readonly options: MasterOptions;
  readonly listeners: Listener[];
  readonly log: Logger;
  readonly os: MasterOs;
  readonly metrics: Metrics | undefined;
  readonly predecessor: PredecessorLink | undefined;
  readonly resolveOptions: () => Promise<MasterOptions>;
  endpoints!: Endpoints;
  /** Requests that wait for the master to be serving. */
  readonly queued: Array<{ request: MasterRequest; reply: Reply }> = [];
  readonly startedAt: number;
  lastReload: OperationRecord | null = null;
  lastUpgrade: StatusSnapshot['lastUpgrade'] = null;
  /** True once this master's first workers were all ready (health: the host serves). */
  servedOnce = false;
  /** Once set, the master is done and exits with it when its last replies are out. */
  exit: MasterExit | undefined;
  private readonly loop: Loop<Item>;
  private readonly status: StatusReader;
  private readonly exited: Promise<MasterExit>;
  private markExited!: (exit: MasterExit) => void;

  constructor(deps: MasterDeps) {
    this.options = deps.options;
    this.listeners = deps.listeners;
    this.log = deps.log;
    this.os = deps.os;
    this.metrics = deps.metrics;
    this.predecessor = deps.predecessor;
    this.resolveOptions = deps.resolveOptions;
    this.startedAt = deps.os.now();
    this.status = new StatusReader(deps.os);
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    const settings: ClusterSettings = {
      workers: this.options.workers,
      maxDraining: this.options.maxDraining ?? this.options.workers,
      readyTimeoutMs: this.options.readyTimeoutMs,
      drainTimeoutMs: this.options.drainTimeoutMs,
      killTimeoutMs: this.options.killTimeoutMs,
      warmUpMs: this.options.warmUpMs ?? DEFAULTS.warmUpMs,
      spec: (id, generation, slot) => workerSpec(this.options, this.listeners, this.log, id, generation, slot),
    };
    // The cluster reads timeouts from the options at each use, so a reload's new values apply.
    Object.defineProperties(settings, {
      readyTimeoutMs: { get: () => this.options.readyTimeoutMs },
      drainTimeoutMs: { get: () => this.options.drainTimeoutMs },
      killTimeoutMs: { get: () => this.options.killTimeoutMs },
      warmUpMs: { get: () => this.options.warmUpMs ?? DEFAULTS.warmUpMs },
      maxDraining: { get: () => this.options.maxDraining ?? this.options.workers },
    });
    this.loop = new Loop<Item>(
      (item) => this.handle(item),
      () => this.settle(),
      (item, err) => this.fault(item, err),
    );
    this.cluster = new Cluster(settings, deps.os, deps.log, (event) => this.post(event), deps.resume);
    const run = new StartRun(this.cluster);
    // A successor starts in standby: it runs no reload or upgrade until it has taken over.
    this.state = this.predecessor ? { kind: 'standby', from: this.predecessor.fromPid, run, told: false } : { kind: 'starting', run };
  }

  /** Starts the first workers; the rest happens in the loop. */
  start(endpoints: Endpoints): void {
    this.endpoints = endpoints;
    this.tickEverySecond();
    this.predecessor?.attach(this);
    this.post({ type: 'wake' });
  }

  /** Resolves once the master is done: stopped, failed to start, or handed over. */
  finished(): Promise<MasterExit> {
    return this.exited;
  }

  /** Posts an item; handled now or right after the one being handled. */
  post(item: Item): void {
    this.loop.post(item);
  }

  /** Asks the master something; resolves or rejects with the answer. */
  request(request: MasterRequest): Promise<unknown> {
    return new Promise((resolve, reject) => this.post({ type: 'request', request, reply: { resolve, reject } }));
  }

  /** Moves to a new state; throws (a bug) if the table does not allow it. */
  move(to: MasterState): void {
    this.state = transition(this.state, to);
  }

  /** Log lines that could not be written (a full disk), for status and metrics. */
  get logLinesDropped(): number {
    return this.log.sink.dropped;
  }

  /** A point-in-time view for `baton status`. */
  snapshot(): StatusSnapshot {
    return this.status.snapshot(this.cluster, this);
  }

  /** Ends the master with an exit code once its state is final. */
  finish(exit: MasterExit): void {
    if (this.exit) return;
    this.exit = exit;
    for (const { reply } of this.queued.splice(0)) reply.reject(exit.error ?? errors.stopping());
    this.markExited(exit);
  }

  private handle(item: Item): void {
    switch (item.type) {
      case 'request':
        return onRequest(this, item.request, item.reply);
      case 'worker-message':
      case 'worker-exit':
      case 'ready-timeout':
      case 'stable':
      case 'wake':
      case 'spawn-failed':
      case 'balance': {
        if (item.type === 'worker-exit') this.status.forget(item.worker.proc.pid);
        const fact = this.cluster.apply(item);
        if (fact) this.runOf()?.notice(fact);
        return;
      }
      case 'config':
        return onConfig(this, item.result);
      case 'grace-over':
        if (this.state.kind === 'stopping' && this.state.phase === 'grace') stopFor(this).drain();
        return;
      case 'tick':
        this.cluster.killStuck(this.options.stallTimeoutMs ?? 0);
        if (this.options.maxMemoryBytes) onRequest(this, { cmd: 'swap', from: '--max-memory' }, { resolve: () => {}, reject: () => {} });
        return;
      default: {
        const upgrade = UPGRADE_HANDLERS[item.type as UpgradeItem['type']];
        if (upgrade) return upgrade(this, item as never);
        const successor = SUCCESSOR_HANDLERS[item.type as SuccessorItem['type']];
        if (successor) return successor(this, item as never);
      }
    }
  }

  /** After every item: converge, move the running operation on, then what was queued. */
  private settle(): void {
    stepRun(this);
    this.cluster.reconcile();
    stepRun(this);
    finishStopIfDone(this);
    while (this.state.kind === 'serving' && this.queued.length > 0) {
      const next = this.queued.shift()!;
      onRequest(this, next.request, next.reply);
    }
  }

  /** The run of the current state, if it has one. */
  runOf(): Run<unknown> | undefined {
    const state = this.state;
    switch (state.kind) {
      case 'starting':
      case 'standby':
      case 'recovering':
      case 'reloading':
      case 'swapping':
      case 'upgrading':
        return state.run;
      default:
        return undefined;
    }
  }

  /** A stop wins over the running operation: its caller hears `error` now, and the stop drains everything. */
  cancelRun(error: BatonError): void {
    const state = this.state;
    this.runOf()?.abort(error);
    if (state.kind === 'reloading' || state.kind === 'recovering') state.reply.reject(error);
    else if (state.kind === 'swapping') state.reply.resolve(undefined);
  }

  /** A fault inside the running operation: it unwinds as after a failure, and its caller gets `error`. */
  abortRun(error: BatonError): void {
    const state = this.state;
    const run = this.runOf();
    if (!run) return;
    run.abort(error);
    if (state.kind === 'reloading' && !state.run) {
      this.move({ kind: 'serving' });
      state.reply.reject(error);
    }
  }

  /** An item's handler threw: a bug. Fail what it was for, keep serving. */
  private fault(item: Item, err: unknown): void {
    this.log.error(`internal error while handling ${item.type}: ${(err as Error)?.stack ?? String(err)}`);
    const error = isBatonError(err) ? err : errors.internal(item.type === 'request' ? `"${item.request.cmd}"` : item.type, err);
    if (item.type === 'request') item.reply.reject(error);
    this.abortRun(error);
  }

  /** The other master of an upgrade, for messages. */
  peer(): number | undefined {
    const state = this.state;
    if (state.kind === 'standby') return state.from;
    if (state.kind === 'handed-over') return state.to;
    if (state.kind === 'upgrading') return state.run.successorPid;
    return this.predecessor?.fromPid;
  }

  /** The once-a-second checks: stuck workers, and --max-memory (the table decides if a swap runs). */
  private tickEverySecond(): void {
    const tick = () => {
      if (this.exit) return;
      this.post({ type: 'tick' });
      this.os.timer(TICK_MS, tick);
    };
    this.os.timer(TICK_MS, tick);
  }
}

