// A reload's old worker serves on while its successor warms up (--warm-up). A worker
// that has just become ready runs its code cold, at a fraction of its later speed, and
// taking every connection of the old one at once would slow them all. So the old
// worker, warm, serves its connections on, the new one takes a growing share of new
// connections (handoff.ts weight()), and the old one drains once the new one has warmed
// up. The rollout's next batch does not wait for that, it starts as soon as this one's
// new workers are ready; only the reply waits for the last hold. Cost: a reload takes
// up to --warm-up longer, once; a slot runs two processes that long, and the old ones of
// several slots serve on at once (at most one per slot). An old worker with no
// connections but upgraded ones (WebSockets, which stay where they are until they
// close) drains at once: holding it would only delay its drain hook, which is what moves
// those clients.
import type { Slot, Worker } from './cluster-model.js';
import { load } from './handoff.js';
import type { Logger } from './log.js';
import type { MasterOs, Timer } from './os.js';

/** Which old workers serve on through their successors' warm-up, and when each is due to drain. */
export class WarmUpHold {
  /** Every old worker that has entered the hold: true while it is held now (it is logged once, as it first enters). */
  private readonly entered = new WeakMap<Worker, boolean>();
  /** Per slot: wakes the loop when its new worker has warmed up (its old one then drains). */
  private readonly timers = new Map<Slot, Timer>();

  constructor(
    /** --warm-up, read at each use (a reload may change it). */
    private readonly warmUpMs: () => number,
    private readonly os: MasterOs,
    private readonly log: Logger,
    /** Runs the reconcile loop again. */
    private readonly wake: () => void,
  ) {}

  /** True while `worker` serves on through its successor's warm-up: as good as told to leave, for a rollout. */
  holds(worker: Worker): boolean {
    return this.entered.get(worker) === true;
  }

  /** True while any of `workers` is held. */
  any(workers: Iterable<Worker>): boolean {
    for (const worker of workers) if (this.holds(worker)) return true;
    return false;
  }

  /**
   * Decides for a ready old worker of `slot` whose successor `heir` is ready: true (and
   * held) while it should serve on, false (and released) once it should drain.
   */
  keep(slot: Slot, worker: Worker, heir: Worker | undefined): boolean {
    this.release(worker);
    const warmUpMs = this.warmUpMs();
    const served = load(worker) - (worker.stats?.upgraded ?? 0);
    if (warmUpMs <= 0 || served <= 0 || heir?.readyAt === undefined) return false;
    const wait = heir.readyAt + warmUpMs - this.os.now();
    if (wait <= 0) return false;
    if (!this.entered.has(worker)) {
      this.log.info(`slot ${slot.index}: worker ${worker.id} serves its ${served} connections on while worker ${heir.id} warms up; it drains in ${Math.ceil(wait)}ms (--warm-up)`);
    }
    this.entered.set(worker, true);
    if (!this.timers.has(slot)) {
      this.timers.set(
        slot,
        this.os.timer(wait, () => {
          this.timers.delete(slot);
          this.wake();
        }),
      );
    }
    return true;
  }

  /** `worker` is no longer held (it drains, or waits for another reason). */
  release(worker: Worker): void {
    if (this.entered.has(worker)) this.entered.set(worker, false);
  }

  /** Cancels every slot's timer (the cluster is stopping: every worker drains now). */
  cancel(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }
}
