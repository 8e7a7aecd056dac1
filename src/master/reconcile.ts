// The cluster converges from what is wanted to what runs, einhorn-style: every slot
// wants one ready worker of its target generation. reconcile() replenishes a slot that
// has no such worker (after its crash back-off), and culls a slot's other workers once
// its wanted worker is ready. A crash respawn, a reload batch and a memory swap are all
// this one path, so no slot can be forgotten: the rollouts only move targets.
import type { SupervisorCounters } from '../protocol/handover.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';
import type { ClusterEvent, ClusterSettings, Fact, Slot, Worker } from './cluster-model.js';
import { HandoffRouter, span, weight } from './handoff.js';
import { WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import { applyEvent } from './worker-events.js';
import type { HandoffRoute, NativeHandle } from './handoff.js';
import { transition } from './lifecycle.js';
import type { Logger } from './log.js';
import type { MasterOs, Timer, WorkerHandle } from './os.js';
import { WarmUpHold } from './warm-up.js';

/** How soon after a change of the connection counts the workers hear the new total. */
const BALANCE_MS = 25;

/** Slots, workers, and the one path that makes them agree. */
export class Cluster {
  readonly slots: Slot[];
  readonly workers = new Set<Worker>();
  /** Replenish and cull only while active: a stopping cluster only drains. */
  active = true;
  nextId = 1;
  nextGeneration = 1;
  /** The generation every slot was last rolled onto (0 before the first start). */
  generation = 0;
  readonly router: HandoffRouter;
  /** Slots whose old workers drain only once every one of them has its wanted worker ready (a reload batch). */
  barrier: Set<Slot> | undefined;
  private balanceTimer: Timer | undefined;
  /** Old workers held back by --max-draining (each is logged once). */
  private readonly waitingToDrain = new WeakSet<Worker>();
  /** Old workers serving on while their successors warm up (warm-up.ts). */
  private readonly hold: WarmUpHold;

  constructor(
    readonly settings: ClusterSettings,
    readonly os: MasterOs,
    readonly log: Logger,
    readonly post: (event: ClusterEvent) => void,
    resume?: SupervisorCounters,
    readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {
    // A connection written to the other master may be what an idle master waited for.
    if (resume) {
      this.nextId = resume.nextId;
      this.nextGeneration = resume.nextGeneration;
      this.generation = resume.generation;
    }
    this.router = new HandoffRouter(
      () => os.now(),
      () => settings.warmUpMs,
    );
    this.router.onWritten = () => this.post({ type: 'wake' });
    this.hold = new WarmUpHold(() => settings.warmUpMs, os, log, () => this.post({ type: 'wake' }));
    this.slots = Array.from({ length: settings.workers }, (_, i) => ({
      index: i + 1,
      generation: 0,
      restarts: resume?.restarts[i] ?? 0,
      streak: 0,
      lost: false,
      notBefore: undefined,
      wake: undefined,
    }));
  }

  /** A new generation number, never used before by this master or the ones before it. */
  newGeneration(): number {
    return this.nextGeneration++;
  }

  /** Points slots at a generation; a rollout's new target starts at once (no back-off). */
  retarget(slots: readonly Slot[], generation: number, immediate = true): void {
    for (const slot of slots) {
      slot.generation = generation;
      if (immediate) this.clearBackoff(slot);
    }
  }

  /** The workers a slot wants: its generation, not retiring, not yet leaving. */
  wanted(slot: Slot): Worker[] {
    return [...this.workers].filter((w) => w.slot === slot && w.generation === slot.generation && !w.retiring && (w.state === 'starting' || w.state === 'ready'));
  }

  /**
   * True when the slot's wanted worker is ready and every other worker of the slot has
   * been told to leave, or leaves once its successor has warmed up (a rollout goes on
   * meanwhile, and waits for the hold only at its end).
   */
  served(slot: Slot): boolean {
    const mine = [...this.workers].filter((w) => w.slot === slot);
    return this.wanted(slot).some((w) => w.state === 'ready') && mine.every((w) => this.isWanted(w) || this.hold.holds(w) || (w.state !== 'starting' && w.state !== 'ready'));
  }

  /** True when the slot's wanted worker is ready and nothing else of the slot runs. */
  settled(slot: Slot): boolean {
    const mine = [...this.workers].filter((w) => w.slot === slot);
    return mine.length === 1 && mine[0]!.state === 'ready' && this.wanted(slot).length === 1;
  }

  /** True while an old worker serves on through its successor's warm-up. */
  holding(): boolean {
    return this.hold.any(this.workers);
  }

  /** Workers on their way out (draining, or failed and still running). */
  leaving(): Worker[] {
    return [...this.workers].filter((w) => w.state === 'draining' || w.state === 'failed');
  }

  /** True while every slot has a ready wanted worker. */
  allReady(): boolean {
    return this.slots.every((slot) => this.wanted(slot).some((w) => w.state === 'ready'));
  }

  /** reap happened as events came in; now replenish and cull. */
  reconcile(): void {
    if (!this.active) return;
    for (const slot of this.slots) {
      const wanted = this.wanted(slot);
      if (wanted.length === 0) this.replenish(slot);
      else slot.lost = false;
      if (wanted.some((w) => w.state === 'ready') && this.pastBarrier(slot)) this.cull(slot);
    }
  }

  /** Applies one event from a worker process or a timer; returns what it means, if anything. */
  apply(event: ClusterEvent): Fact | undefined {
    return applyEvent(this, event);
  }

  /** Drains a worker (unless it is already leaving); idle connections move if `handoff`. */
  drain(worker: Worker, handoff: boolean): void {
    if (worker.state !== 'starting' && worker.state !== 'ready') return;
    worker.state = transition(worker.state, 'draining');
    worker.drainDeadline = this.os.now() + this.settings.drainTimeoutMs;
    worker.proc.drain(handoff && this.router.canTake(worker, this.workers), this.settings.drainTimeoutMs, this.settings.killTimeoutMs);
  }

  /**
   * Kills every ready worker whose event loop has sent no heartbeat for --stall-timeout
   * (a stuck process cannot drain: SIGKILL). Its exit is a crash like any other: the
   * slot is respawned through reconcile. Workers that never reported are not judged.
   */
  killStuck(stallTimeoutMs: number): void {
    if (stallTimeoutMs <= 0) return;
    const now = this.os.now();
    for (const worker of this.workers) {
      if (worker.state !== 'ready' || worker.stuck || !worker.stats) continue;
      const silentMs = now - worker.stats.at;
      if (silentMs <= stallTimeoutMs) continue;
      worker.stuck = true;
      this.log.warn(`worker ${worker.id} (pid ${worker.proc.pid}) stuck for ${Math.round(silentMs / 1000)}s: no heartbeat from its event loop (--stall-timeout ${stallTimeoutMs}ms); killing it (SIGKILL) and starting a replacement`);
      worker.proc.kill();
    }
  }

  /** Stops replenishing and drains every worker; resolve with `idle()`. */
  drainAll(handoff: boolean): void {
    this.active = false;
    for (const slot of this.slots) this.clearBackoff(slot);
    this.hold.cancel();
    for (const worker of this.workers) this.drain(worker, handoff);
  }

  /** True once no worker process is left and no connection is on its way to the other master. */
  idle(): boolean {
    return this.workers.size === 0 && !this.router.forwarding;
  }

  /** What a successor master needs to carry on counting. */
  counters(): SupervisorCounters {
    return { nextId: this.nextId, nextGeneration: this.nextGeneration, generation: this.generation, restarts: this.slots.map((s) => s.restarts) };
  }

  /**
   * Tells every ready worker the cluster's open connections (what its share is taken
   * from), at most every BALANCE_MS: after a burst of passed-on connections it goes out
   * within that, in steady state once per round of reports.
   */
  balanceSoon(ms = BALANCE_MS): void {
    if (this.settings.workers < 2 || this.balanceTimer) return;
    this.balanceTimer = this.os.timer(ms, () => this.post({ type: 'balance' }));
  }

  /** The balance timer is due: tell every ready worker the cluster's total. */
  sendBalance(): void {
    this.balanceTimer = undefined;
    const ready = [...this.workers].filter((w) => w.state === 'ready');
    const total = ready.reduce((sum, w) => sum + span(w), 0);
    const now = this.os.now();
    const warmUpMs = this.settings.warmUpMs;
    const weights = ready.map((w) => weight(w, now, warmUpMs));
    const sum = weights.reduce((a, b) => a + b, 0);
    ready.forEach((w, i) => w.proc.send({ v: WORKER_PROTOCOL_VERSION, type: 'balance', total, share: Math.ceil((total * weights[i]!) / sum) }));
    // While a worker warms up its share grows: say so again soon.
    if (ready.some((w) => w.readyAt !== undefined && now - w.readyAt < warmUpMs)) this.balanceSoon(warmUpMs / 6);
  }

  /** A connection from outside (the other master): give it to a ready worker. */
  adopt(key: string, hops: number, handle: NativeHandle): void {
    this.router.route(this.workers, undefined, key, hops, handle);
  }

  /** Where idle connections go when no local worker can take them. */
  setExternalRoute(route: HandoffRoute | undefined): void {
    this.router.external = route;
  }

  private replenish(slot: Slot): void {
    if (slot.lost) {
      // Its worker was lost: count the restart and back off, doubling with the streak.
      slot.lost = false;
      slot.restarts++;
      slot.streak++;
      const delay = backoffDelay(slot.streak, this.backoff);
      const loop = slot.streak >= 3 ? ` — crash loop: ${slot.streak} failures in a row` : '';
      this.log.warn(`slot ${slot.index}: restarting its worker in ${delay}ms (restart ${slot.restarts})${loop}`);
      slot.notBefore = this.os.now() + delay;
    }
    const wait = slot.notBefore === undefined ? 0 : slot.notBefore - this.os.now();
    if (wait > 0) {
      slot.wake ??= this.os.timer(wait, () => {
        slot.wake = undefined;
        this.post({ type: 'wake' });
      });
      return;
    }
    this.clearBackoff(slot);
    this.spawn(slot, slot.generation);
  }

  private pastBarrier(slot: Slot): boolean {
    if (!this.barrier?.has(slot)) return true;
    return [...this.barrier].every((s) => this.wanted(s).some((w) => w.state === 'ready'));
  }

  /**
   * The slot's wanted worker is ready: every other worker of the slot drains, as long as
   * fewer than --max-draining workers are draining already. Past that bound the old
   * worker keeps serving until a draining one has gone (at most its --drain-timeout):
   * repeated reloads cannot pile up processes, and no connection is cut to make room.
   */
  private cull(slot: Slot): void {
    for (const worker of this.workers) {
      if (worker.slot !== slot || (worker.state !== 'starting' && worker.state !== 'ready')) continue;
      if (worker.generation === slot.generation && !worker.retiring) continue;
      if (worker.state === 'ready' && this.leaving().length >= this.settings.maxDraining) {
        this.hold.release(worker);
        if (!this.waitingToDrain.has(worker)) {
          this.waitingToDrain.add(worker);
          this.log.info(`slot ${slot.index}: worker ${worker.id} keeps serving until one of the ${this.leaving().length} draining workers has gone (--max-draining ${this.settings.maxDraining})`);
        }
        continue;
      }
      if (worker.state === 'ready' && this.hold.keep(slot, worker, this.wanted(slot).find((w) => w.state === 'ready'))) continue;
      this.waitingToDrain.delete(worker);
      this.drain(worker, true);
    }
  }

  private spawn(slot: Slot, generation: number): Worker {
    const id = this.nextId++;
    let proc: WorkerHandle | undefined;
    const spec = this.settings.spec(id, generation, slot.index);
    // Events from the process arrive as loop items, after this returns.
    const worker: Worker = {
      id,
      slot,
      generation,
      get proc() {
        return proc!;
      },
      startedAt: this.os.now(),
      state: 'starting',
      readyAt: undefined,
      failure: undefined,
      retiring: false,
      timers: [],
      stats: undefined,
      stuck: false,
      requestRate: undefined,
      routed: 0,
      adoptsSent: 0,
      drainDeadline: undefined,
      claims: { listeners: new Map(spec.listeners.map((l) => [l.key, false])), waitReady: spec.waitReady },
    };
    try {
      proc = this.os.spawnWorker(spec, {
        message: (message, handle) => this.post({ type: 'worker-message', worker, message, handle }),
        exit: (info) => this.post({ type: 'worker-exit', worker, info }),
      });
    } catch (err) {
      // Out of file descriptors or processes: the worker failed before it started. The
      // slot backs off like after a crash, and a rollout waiting on it hears of it.
      const reason = `worker ${id} (generation ${generation}) could not be started: ${(err as Error).message}`;
      this.log.error(reason);
      slot.lost = true;
      worker.state = 'failed';
      worker.failure = reason;
      proc = { pid: undefined, send: () => {}, drain: () => {}, terminate: () => {}, kill: () => {}, stderrLines: () => [] };
      this.post({ type: 'spawn-failed', worker, reason });
      return worker;
    }
    this.workers.add(worker);
    this.log.info(`worker ${id} started (pid ${proc.pid ?? '?'}, slot ${slot.index}, generation ${generation})`);
    worker.timers.push(this.os.timer(this.settings.readyTimeoutMs, () => this.post({ type: 'ready-timeout', worker })));
    return worker;
  }

  /** True if the worker is the one its slot wants (its generation, not retiring). */
  isWanted(worker: Worker): boolean {
    return worker.generation === worker.slot.generation && !worker.retiring;
  }

  private clearBackoff(slot: Slot): void {
    slot.wake?.cancel();
    slot.wake = undefined;
    slot.notBefore = undefined;
  }
}
