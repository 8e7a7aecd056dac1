// One queue, one consumer: everything that can change the master's state (signals,
// control requests, timers, worker and successor events, the results of async steps)
// is posted here as an item and handled one at a time, in order, to completion. A
// handler that throws fails that item only: the loop goes on with the next.

/** Runs posted items in order; `handle` and `settle` are never re-entered. */
export class Loop<T> {
  private readonly queue: T[] = [];
  private running = false;

  constructor(
    /** Handles one item. */
    private readonly handle: (item: T) => void,
    /** Runs after every item: converge the cluster, move operations on. */
    private readonly settle: () => void,
    /** An item's handler (or the settle after it) threw: log it and fail what it was for. */
    private readonly fault: (item: T, err: unknown) => void,
  ) {}

  /** Queues an item; runs it now unless the loop is already running (then it runs next). */
  post(item: T): void {
    this.queue.push(item);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        try {
          this.handle(next);
          this.settle();
        } catch (err) {
          this.guard(next, err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Items waiting to run (for tests and status). */
  get pending(): number {
    return this.queue.length;
  }

  private guard(item: T, err: unknown): void {
    try {
      this.fault(item, err);
    } catch {
      // The fault handler must not take the loop down with it.
    }
    try {
      this.settle();
    } catch {
      // A broken settle is reported by the next item's fault.
    }
  }
}
