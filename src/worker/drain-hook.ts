// The app's drain hook: onDrain(listener) from baton-supervisor/worker. Each listener is
// called once, when this worker starts draining, with the drain's deadline and an
// AbortSignal that fires at it; one registered after the drain began is called at once.
// This is where an app closes what baton cannot close for it: WebSockets, event
// streams, socket.io. A listener that throws is reported on stderr and never stops the
// drain or the other listeners.

/** What a drain listener is told. */
export interface DrainInfo {
  /** When the master sends SIGTERM if this worker still runs (its --drain-timeout). */
  deadline: Date;
  /** The same deadline, in milliseconds from the start of the drain. */
  timeoutMs: number;
  /** Aborts at the deadline. */
  signal: AbortSignal;
}

export type DrainListener = (drain: DrainInfo) => void;

/** The listeners of one worker, and the drain once it has begun. */
export class DrainHooks {
  private readonly listeners = new Set<DrainListener>();
  private info: DrainInfo | undefined;

  /** Registers a listener; returns a function that removes it. */
  add(listener: DrainListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('onDrain(listener): the listener must be a function');
    if (this.info) {
      const info = this.info;
      queueMicrotask(() => call(listener, info));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The drain begins: every listener is called once. */
  fire(timeoutMs: number): void {
    if (this.info) return;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`the drain deadline (${timeoutMs}ms) has passed`)), timeoutMs);
    timer.unref();
    this.info = { deadline: new Date(Date.now() + timeoutMs), timeoutMs, signal: controller.signal };
    for (const listener of this.listeners) call(listener, this.info);
    this.listeners.clear();
  }
}

function call(listener: DrainListener, info: DrainInfo): void {
  try {
    const result = listener(info) as unknown;
    if (result && typeof (result as Promise<unknown>).catch === 'function') {
      (result as Promise<unknown>).catch((err: unknown) => report(err));
    }
  } catch (err) {
    report(err);
  }
}

function report(err: unknown): void {
  process.stderr.write(`baton: an onDrain listener threw: ${(err as Error)?.stack ?? String(err)}\n`);
}
