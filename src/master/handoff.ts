// The route of a moved connection. A draining worker stops reading an idle keep-alive
// connection and sends its handle, unread, to the master (worker/drain.ts); so does a
// worker above its share with a connection it has just accepted (worker/balance.ts).
// The master gives it to the ready worker with the fewest connections (of the newest
// generation, for a draining worker's), or else to the other master of an upgrade; the
// receiving worker serves it as if it had accepted it (worker/runtime.ts). The master
// only forwards the handle and never reads from it. It counts what it routes, so a
// burst of connections spreads before the workers' next reports.
import { WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import type { MasterMessage } from '../protocol/worker.js';
import type { WorkerState } from './lifecycle.js';

/** A native socket handle passed between processes; the holder closes its copy. */
export type NativeHandle = { close(): void };

/** Where idle connections go when no local worker can take them (the other master); `written` once the handle is on its way. */
export type HandoffRoute = (key: string, hops: number, handle: NativeHandle, written: () => void) => void;

/** What the router needs to know of a worker. */
export interface RoutableWorker {
  readonly generation: number;
  readonly state: WorkerState;
  readonly proc: { send(message: MasterMessage, handle?: object, done?: (sent: boolean) => void): void };
  /** Its open connections at its last report (and the most at once since the one before). */
  readonly stats: { connections: number; peak?: number } | undefined;
  /**
   * Connections routed to it (plus) or passed on by it (minus) since that report; set
   * anew when it sheds a connection and says how many it holds.
   */
  routed: number;
  /** Connections the master has sent it to adopt, ever (set against what it says it has adopted). */
  adoptsSent: number;
  /** When it became ready (a young worker gets a smaller share while it warms up). */
  readonly readyAt: number | undefined;
}

/** A worker's share right when it becomes ready, as a fraction of a full one. */
const COLD_WEIGHT = 0.25;

/** A worker's weight in the spread: from COLD_WEIGHT when it became ready to 1 after warmUpMs (--warm-up). */
export function weight(worker: RoutableWorker, now: number, warmUpMs: number): number {
  if (worker.readyAt === undefined || warmUpMs <= 0) return 1;
  const warm = Math.min(1, Math.max(0, (now - worker.readyAt) / warmUpMs));
  return COLD_WEIGHT + (1 - COLD_WEIGHT) * warm;
}

/** A worker's open connections, as far as the master knows now. */
export function load(worker: RoutableWorker): number {
  return Math.max(0, (worker.stats?.connections ?? 0) + worker.routed);
}

/**
 * A worker's connections for the cluster's total: the most it has held at once since
 * its previous report, or more if more have come since. Short connections open and close
 * between two reports, and a count of them at one instant ranges from none to all (one
 * new connection per request from 32 clients: 2 to 54 in one second), so shares reckoned
 * from it would swing with it and pass connections on whenever the count was low. The
 * cost: connections that close leave the total high until the next report (a second).
 */
export function span(worker: RoutableWorker): number {
  return Math.max(load(worker), worker.stats?.peak ?? 0);
}

/** Picks the worker (or the other master) that takes a moved connection. */
export class HandoffRouter {
  /** The other master of an upgrade, when it can take connections. */
  external: HandoffRoute | undefined;
  /**
   * Handles on their way to the other master. A master that exits with one unwritten
   * closes it, and the client sees a reset: it waits until this is 0.
   */
  inFlight = 0;
  /** Told when the last handle in flight has been written (so the master can exit). */
  onWritten: (() => void) | undefined;
  private cursor = 0;

  constructor(
    private readonly now: () => number = () => Date.now(),
    /** --warm-up, read at each use (a reload may change it). */
    private readonly warmUpMs: () => number = () => 0,
  ) {}

  /** True while a connection is on its way to the other master (see inFlight). */
  get forwarding(): boolean {
    return this.inFlight > 0;
  }

  /** True if a connection from `from` has somewhere to go: another ready worker, or the other master. */
  canTake(from: RoutableWorker, workers?: Iterable<RoutableWorker>): boolean {
    if (this.external) return true;
    for (const w of workers ?? []) if (w !== from && w.state === 'ready') return true;
    return false;
  }

  /**
   * Sends the connection on; closes our copy once sent, or at once if nobody can take it.
   * `shed`: a fresh connection from a worker above its share, which gets it back if
   * there is no other (so it is never dropped for want of another worker). `said`: how
   * many connections that worker holds now, besides this one, and how many it has
   * adopted so far (those sent to it since are on their way). Its share was reckoned
   * from the cluster's count at the last round of reports, which a burst of connections
   * leaves far behind (each worker then sheds nearly everything to the others); with
   * its own count the master knows better, and the connection goes back to it when it
   * is the least loaded after all.
   */
  route(workers: Iterable<RoutableWorker>, from: RoutableWorker | undefined, key: string, hops: number, handle: NativeHandle, shed = false, said?: { held: number; adopted: number }): void {
    const held = shed ? said?.held : undefined;
    if (from && said && held !== undefined) from.routed = held + Math.max(0, from.adoptsSent - said.adopted) - (from.stats?.connections ?? 0);
    const others = [...workers].filter((w) => w.state === 'ready' && w !== from);
    // A draining worker's connections go to the newest generation; a shed one to anyone
    // (back to its own worker when its count says it is the least loaded, or there is no other).
    const newest = Math.max(...others.map((w) => w.generation));
    const pool = shed ? (held !== undefined && from?.state === 'ready' ? [...others, from] : others) : others.filter((w) => w.generation === newest);
    // Fewest connections for its weight: a warming worker fills up more slowly.
    const now = this.now();
    const warmUpMs = this.warmUpMs();
    const fill = (w: RoutableWorker) => (load(w) + 1) / weight(w, now, warmUpMs);
    const least = Math.min(...pool.map(fill));
    const candidates = pool.filter((w) => fill(w) === least);
    const target = candidates[this.cursor++ % Math.max(1, candidates.length)] ?? (shed && from?.state === 'ready' ? from : undefined);
    if (target) {
      // A draining worker counted what it hands on; a shed connection was never counted
      // (not in `held` either: it counts for its worker once it comes back).
      if (from && !shed && target !== from) from.routed--;
      if (target !== from || held !== undefined) target.routed++;
      target.adoptsSent++;
      target.proc.send({ v: WORKER_PROTOCOL_VERSION, type: 'adopt', key, hops }, handle, () => handle.close());
    } else if (this.external) {
      this.inFlight++;
      this.external(key, hops, handle, () => {
        handle.close();
        this.inFlight--;
        if (this.inFlight === 0) this.onWritten?.();
      });
    } else {
      handle.close();
    }
  }
}
