// The operations that move slot targets: the first start, a rolling reload and a memory
// swap. None of them spawns or drains a worker itself: each points slots at a
// generation (or retires one worker) and waits, while reconcile() makes it so. The
// rules: generation N drains only after N+1 is ready; a new worker failing never takes
// an old one down (its slots point back at what they ran, and the old workers stay).
import { errors } from '../errors.js';
import type { BatonError } from '../errors.js';
import type { ReloadResult } from '../protocol/control.js';
import { batchSize } from './batch.js';
import type { BatchSpec } from './batch.js';
import type { Logger } from './log.js';
import type { Fact, Slot, Worker } from './cluster-model.js';
import type { Cluster } from './reconcile.js';

/** How an operation ended. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: BatonError };

/** An operation the master runs, one at a time, driven by the loop. */
export interface Run<T> {
  /** Each fact from the cluster while this run is current. */
  notice(fact: Fact): void;
  /** After every loop item: moves on if it can; an outcome once it is done. */
  step(): Outcome<T> | undefined;
  /** Ends the run from outside (a stop wins, an internal error): undo what is undone safely. */
  abort(error: BatonError): void;
}

/** The first workers of a master: every slot of a new generation, all ready, or the start fails. */
export class StartRun implements Run<number> {
  readonly generation: number;
  private failure: string | undefined;
  private aborted: BatonError | undefined;
  private done = false;

  constructor(private readonly cluster: Cluster) {
    this.generation = cluster.newGeneration();
    cluster.retarget(cluster.slots, this.generation);
  }

  notice(fact: Fact): void {
    if (fact.kind === 'failed' && fact.worker.generation === this.generation) this.failure ??= fact.reason;
  }

  /** The outcome, once. */
  step(): Outcome<number> | undefined {
    if (this.done) return undefined;
    const outcome = this.outcome();
    if (outcome) this.done = true;
    return outcome;
  }

  private outcome(): Outcome<number> | undefined {
    if (this.aborted) return { ok: false, error: this.aborted };
    if (this.failure) return { ok: false, error: errors.startFailed(`the cluster did not start: ${this.failure}`) };
    if (!this.cluster.allReady()) return undefined;
    this.cluster.generation = this.generation;
    return { ok: true, value: this.generation };
  }

  abort(error: BatonError): void {
    this.aborted ??= error;
  }
}

/**
 * A rolling reload onto a new generation, a batch at a time: point the batch's slots at
 * it, wait until each has its new worker ready and its old one told to drain, then the
 * next. Old workers finish draining in the background (bounded by --max-draining and
 * --drain-timeout); with waitDrained the reload also waits for them. If a new worker
 * fails, the batch's slots point back at the generation they ran, reconcile drains the
 * batch's new workers, and the reload fails once they are gone.
 */
export class ReloadRun implements Run<ReloadResult> {
  readonly generation: number;
  readonly startedAt: number;
  private readonly size: number;
  private readonly pending: Slot[];
  private batch: Slot[] = [];
  private readonly previous = new Map<Slot, number>();
  private replaced = 0;
  private failure: BatonError | undefined;
  /** Every slot has moved; with waitDrained the reload still waits for the old workers to go. */
  private rolled = false;

  constructor(
    private readonly cluster: Cluster,
    batch: BatchSpec,
    log: Logger,
    now: number,
    private readonly waitDrained = false,
  ) {
    this.generation = cluster.newGeneration();
    this.startedAt = now;
    this.size = batchSize(cluster.slots.length, batch);
    this.pending = [...cluster.slots];
    log.info(`reload: rolling ${cluster.slots.length} worker${cluster.slots.length === 1 ? '' : 's'} onto generation ${this.generation}, ${this.size} at a time`);
    this.next();
  }

  notice(fact: Fact): void {
    if (this.failure || fact.kind !== 'failed') return;
    if (fact.worker.generation !== this.generation || !this.batch.includes(fact.worker.slot)) return;
    const total = this.cluster.slots.length;
    const kept =
      this.replaced === 0
        ? 'the old generation keeps serving'
        : `${this.replaced} of ${total} workers had already moved to generation ${this.generation} and keep serving with the rest`;
    this.unwind(errors.reloadFailed(`reload to generation ${this.generation} failed, ${kept}: ${fact.reason}`));
  }

  step(): Outcome<ReloadResult> | undefined {
    if (this.failure) {
      // Done once the batch's new workers have left.
      return this.newWorkersLeft() ? undefined : { ok: false, error: this.failure };
    }
    if (this.rolled) {
      // --wait-drained: done once every old worker has gone.
      return this.oldWorkersLeft() ? undefined : this.done();
    }
    // A batch is done when its new workers serve and its old ones have been told to
    // drain: they finish in the background, so the next batch never waits on them.
    if (!this.batch.every((slot) => this.cluster.served(slot))) return undefined;
    // The last batch is in: done once no old worker serves on through its successor's
    // warm-up either, so that from the reply on every new request meets the new code.
    // Earlier batches never wait for it: a reload spends --warm-up once, not per batch.
    if (this.pending.length === 0 && this.cluster.holding()) return undefined;
    this.cluster.barrier = undefined;
    this.replaced += this.batch.length;
    if (this.pending.length > 0) {
      this.next();
      // This step came after the turn's reconcile: start the batch at the next turn,
      // after the items already queued (a failed spawn is one), rather than whenever the
      // next item happens to come (a worker's report, up to a second later).
      this.cluster.post({ type: 'wake' });
      return undefined;
    }
    this.cluster.generation = this.generation;
    this.rolled = true;
    return this.waitDrained && this.oldWorkersLeft() ? undefined : this.done();
  }

  abort(error: BatonError): void {
    if (!this.failure && !this.rolled) this.unwind(error);
    this.failure ??= error;
  }

  private done(): Outcome<ReloadResult> {
    return { ok: true, value: { generation: this.generation, durationMs: 0, workers: this.cluster.slots.length } };
  }

  /** Workers of an older generation still running (draining in the background). */
  private oldWorkersLeft(): boolean {
    return [...this.cluster.workers].some((w) => w.generation < this.generation);
  }

  private next(): void {
    this.batch = this.pending.splice(0, this.size);
    for (const slot of this.batch) this.previous.set(slot, slot.generation);
    this.cluster.retarget(this.batch, this.generation);
    // No old worker of the batch drains before every new one of the batch is ready.
    this.cluster.barrier = new Set(this.batch);
  }

  /**
   * The batch's slots point back at what they ran. Reconcile then drains the batch's new
   * workers wherever an old one serves; a slot that had none (it was backing off) keeps
   * its new worker until an old-generation one is ready, so no capacity is lost.
   */
  private unwind(error: BatonError): void {
    this.failure = error;
    this.cluster.barrier = undefined;
    for (const slot of this.batch) this.cluster.retarget([slot], this.previous.get(slot)!, false);
  }

  /** New workers of the batch that are leaving, or will leave at the next reconcile. */
  private newWorkersLeft(): boolean {
    return [...this.cluster.workers].some((w) => {
      if (w.generation !== this.generation || !this.batch.includes(w.slot)) return false;
      if (w.state === 'draining' || w.state === 'failed') return true;
      return this.cluster.wanted(w.slot).some((o) => o.state === 'ready');
    });
  }
}

/** Replaces one worker (above --max-memory) without a gap: its successor is ready before it drains. */
export class SwapRun implements Run<void> {
  readonly slot: Slot;
  private failure: BatonError | undefined;

  constructor(
    private readonly cluster: Cluster,
    readonly worker: Worker,
  ) {
    this.slot = worker.slot;
    worker.retiring = true;
  }

  notice(fact: Fact): void {
    if (this.failure || fact.kind !== 'failed' || fact.worker === this.worker || fact.worker.slot !== this.slot) return;
    this.unwind(errors.reloadFailed(`memory swap of slot ${this.slot.index} failed, the worker keeps serving: ${fact.reason}`));
  }

  step(): Outcome<void> | undefined {
    if (this.failure) {
      const leaving = [...this.cluster.workers].some((w) => w.slot === this.slot && w !== this.worker && this.cluster.workers.has(this.worker));
      return leaving ? undefined : { ok: false, error: this.failure };
    }
    // Done once the replacement serves and the old worker drains (in the background).
    if (!this.cluster.served(this.slot)) return undefined;
    return { ok: true, value: undefined };
  }

  abort(error: BatonError): void {
    if (!this.failure) this.unwind(error);
  }

  private unwind(error: BatonError): void {
    this.failure = error;
    this.worker.retiring = false;
    // The old worker is wanted again: reconcile drains its replacement, if it still runs.
  }
}
