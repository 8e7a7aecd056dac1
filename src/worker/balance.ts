// Even spread at direct-accept speed, and a gradual takeover by new workers. Workers
// accept straight from the shared socket, and the kernel's wake-up order lets one worker
// take most of a burst of connections. So a worker that accepts a connection while it
// holds more than its share (the cluster's open connections, as the master last told it,
// over the number of workers, plus some slack) passes that connection on, unread, to the
// master, which gives it to the worker with the fewest. Cost: one IPC hop, for those
// connections only, at about half a millisecond of CPU each across the two workers and
// the master; a cluster already in balance pays nothing. Short connections, which the
// hop would not even out (they close within milliseconds), do not take it once the
// workers have reported: the cluster's total counts each worker at the most it held at
// once in the last second (master/handoff.ts span()), and a worker's count swings
// within that (measured with 2 workers and one new connection per request from 32
// clients: no accept in 25,000 took the hop after the first second; reckoned from the
// count at one instant, 1 to 7 in 100 did). The connection's handle moves before
// a byte is read, so nothing is lost or reordered (as for an idle connection moved
// during a drain). A worker that has just become ready is cold (its code not yet
// optimised): the master gives it a smaller share that grows over its first seconds, so
// it takes its load as it warms up instead of all at once.

/**
 * Connections passed on and not yet written to the master, at most: past it a worker
 * keeps what it accepts. Each one is an fd here and then in the master until the
 * receiving worker has it; a burst of thousands would otherwise pile up fds in the
 * master, which at its open-files limit could not take the next one. Large enough that
 * a burst of a few dozen, which one worker can accept in one turn of its loop, still
 * spreads (16 left 13 of 32 on one worker of 4).
 */
export const MAX_IN_FLIGHT = 64;

/** A libuv stream handle, as node's acceptor callback receives it. */
export type ClientHandle = { close?: () => void; readStop?: () => number };
type OnConnection = (err: number, handle: ClientHandle) => void;
type Acceptor = { onconnection?: OnConnection };

/** Decides, per accepted connection, whether to keep it or pass it on. */
export class Balancer {
  private total = 0;
  private share: number | undefined;
  /** Passed on but not yet written to the master: still ours to count. */
  private inFlight = 0;
  private readonly originals = new WeakMap<object, OnConnection>();

  constructor(
    /** Workers in the cluster. */
    private readonly workers: number,
    /** Connections this worker holds now. */
    private readonly held: () => number,
    /** Whether to balance at all now (not while draining). */
    private readonly active: () => boolean,
    /** Sends a connection to the master; `done(false)` if it could not be written. */
    private readonly passOn: (key: string, handle: ClientHandle, done: (sent: boolean) => void) => void,
  ) {}

  /** The master's count of the cluster's open connections, and this worker's share of them. */
  setTotal(total: number, share?: number): void {
    this.total = Math.max(0, total);
    this.share = share === undefined ? undefined : Math.max(0, share);
  }

  /** True if a connection accepted now would put this worker above its share. */
  overShare(): boolean {
    if (this.workers < 2 || !this.active() || this.inFlight >= MAX_IN_FLIGHT) return false;
    const share = this.share ?? Math.ceil(this.total / this.workers);
    // Slack: small counts move rarely, large ones stay within a quarter of the share.
    const slack = Math.max(2, Math.ceil(share / 4));
    return this.held() + this.inFlight >= share + slack;
  }

  /** Intercepts the server's accepts on listener `key`; returns how to accept without balancing. */
  wrap(acceptor: Acceptor, key: string): OnConnection | undefined {
    const original = acceptor.onconnection;
    if (typeof original !== 'function') return undefined;
    this.originals.set(acceptor, original);
    acceptor.onconnection = (err: number, handle: ClientHandle) => {
      if (err || !handle || !this.overShare()) return original.call(acceptor, err, handle);
      // Not a byte has been read: reading has not started on this handle.
      this.inFlight++;
      this.passOn(key, handle, (sent) => {
        this.inFlight--;
        if (sent) handle.close?.();
        else original.call(acceptor, 0, handle);
      });
    };
    return original;
  }

  /** The acceptor's own callback, for a connection another worker passed here (never passed on again). */
  accept(acceptor: Acceptor, handle: ClientHandle): boolean {
    const original = this.originals.get(acceptor) ?? acceptor.onconnection;
    if (typeof original !== 'function') return false;
    original.call(acceptor, 0, handle);
    return true;
  }
}
