// Apps written for node:cluster run unchanged: under baton every worker is a cluster
// worker as far as the app can tell (cluster.isPrimary false, cluster.isWorker true,
// cluster.worker.id its slot), so `if (cluster.isPrimary) { fork } else { listen }`
// runs its worker branch once per baton worker, and its listen() is served by baton's
// sockets and drained like any other. node's own net and dgram read the same flags to
// decide whether to ask a cluster primary for their sockets; in a baton worker there is
// none, so while they bind they see the truth (this process binds for itself).
// cluster.fork() is refused with a message: baton runs the cluster.
import cluster from 'node:cluster';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';

type Flags = { isPrimary: boolean; isMaster: boolean; isWorker: boolean; worker?: unknown; fork: (...args: unknown[]) => unknown };

/** Runs `fn` with the cluster flags saying what is true: this process owns its sockets. */
export function asPrimary<T>(fn: () => T): T {
  const c = cluster as unknown as Flags;
  const saved = { isPrimary: c.isPrimary, isMaster: c.isMaster, isWorker: c.isWorker };
  c.isPrimary = true;
  c.isMaster = true;
  c.isWorker = false;
  try {
    return fn();
  } finally {
    Object.assign(c, saved);
  }
}

/** Makes node:cluster say this process is worker `id` (the baton slot, 1..N). */
export function installClusterCompat(id: number): void {
  const c = cluster as unknown as Flags;
  const worker = Object.assign(new EventEmitter(), {
    id,
    process,
    isConnected: () => process.connected,
    isDead: () => false,
    send: (...args: unknown[]) => (process.send as ((...a: unknown[]) => boolean) | undefined)?.(...args) ?? false,
  });
  c.isPrimary = false;
  c.isMaster = false;
  c.isWorker = true;
  c.worker = worker;
  c.fork = () => {
    throw new Error(
      'baton: cluster.fork() was called in a baton worker. baton runs the cluster itself (--workers); ' +
        'guard the fork with `if (cluster.isPrimary)` (false under baton), or run the app without its own cluster code.',
    );
  };
  // net.Server#listen and dgram.Socket#bind ask a cluster primary for their socket when
  // cluster.isWorker is true; here there is none: they bind in this process, as before.
  for (const [proto, method] of [
    [net.Server.prototype, 'listen'],
    [dgram.Socket.prototype, 'bind'],
  ] as const) {
    const original = (proto as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!;
    (proto as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
      return asPrimary(() => original.apply(this, args));
    };
  }
}
