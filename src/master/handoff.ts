// The route of a moved connection. A draining worker stops reading an idle keep-alive
// connection and sends its handle, unread, to the master (worker/drain.ts); the master
// gives it to a ready worker of the newest generation, round robin, or else to the
// other master of an upgrade; the receiving worker serves it as if it had accepted it
// (worker/runtime.ts). The master only forwards the handle and never reads from it.
import { WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import type { MasterMessage } from '../protocol/worker.js';
import type { WorkerState } from './lifecycle.js';

/** A native socket handle passed between processes; the holder closes its copy. */
export type NativeHandle = { close(): void };

/** Where idle connections go when no local worker can take them (the other master); `done` once written. */
export type HandoffRoute = (key: string, hops: number, handle: NativeHandle, done: () => void) => void;

/** What the router needs to know of a worker. */
export interface RoutableWorker {
  readonly generation: number;
  readonly state: WorkerState;
  readonly proc: { send(message: MasterMessage, handle?: object, done?: (sent: boolean) => void): void };
}

/** Picks the worker (or the other master) that takes a moved connection. */
export class HandoffRouter {
  /** The other master of an upgrade, when it can take connections. */
  external: HandoffRoute | undefined;
  /** Called when a connection sent to the other master has been written. */
  onForwarded: (() => void) | undefined;
  private cursor = 0;
  private inFlight = 0;

  /**
   * True while a connection is on its way to the other master. A master that exits then
   * drops it with the message unwritten, and the client, whose request is unread, gets a
   * reset: an old master lingers until this is false.
   */
  get forwarding(): boolean {
    return this.inFlight > 0;
  }

  /** True if a connection from `from` has somewhere to go: another ready worker, or the other master. */
  canTake(from: RoutableWorker, workers?: Iterable<RoutableWorker>): boolean {
    if (this.external) return true;
    for (const w of workers ?? []) if (w !== from && w.state === 'ready') return true;
    return false;
  }

  /** Sends the connection on; closes our copy once sent, or at once if nobody can take it. */
  route(workers: Iterable<RoutableWorker>, from: RoutableWorker | undefined, key: string, hops: number, handle: NativeHandle): void {
    const ready = [...workers].filter((w) => w !== from && w.state === 'ready');
    const newest = Math.max(...ready.map((w) => w.generation));
    const pool = ready.filter((w) => w.generation === newest);
    const target = pool[this.cursor++ % Math.max(1, pool.length)];
    if (target) {
      target.proc.send({ v: WORKER_PROTOCOL_VERSION, type: 'adopt', key, hops }, handle, () => handle.close());
    } else if (this.external) {
      this.inFlight++;
      this.external(key, hops, handle, () => {
        this.inFlight--;
        this.onForwarded?.();
      });
    } else {
      handle.close();
    }
  }
}
