// The worker side of baton, installed before the app runs. The app's listen() calls
// are mapped onto the master's sockets (fds in this process's stdio table); the worker
// reports each listener the app claims, and ready once every listener is listening (and,
// with waitReady, once the app called ready()); every second it reports its connection
// counts, from its own event loop; on "drain" it calls the app's drain hooks, drains,
// then exits.
import net from 'node:net';
import { Drainer } from './drain.js';
import { DrainHooks } from './drain-hook.js';
import type { DrainListener } from './drain-hook.js';
import { isBatonMessage, WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import type { MasterMessage, WorkerBootstrap, WorkerListener, WorkerMessage } from '../protocol/worker.js';
import { matchListeners, normalizeListenArgs } from './listen-map.js';
import { LoopMonitor } from './loop-monitor.js';
import { FdWatch, openFilesLimit } from './fd-watch.js';
import { Balancer } from './balance.js';
import { installClusterCompat } from './cluster-compat.js';

type Listen = (this: net.Server, ...args: unknown[]) => net.Server;
type NativeHandle = { close?: () => void; onconnection?: (err: number, handle: object) => void };

/** Shared with baton-supervisor/worker's ready() through a global, so both see one runtime. */
export const RUNTIME_KEY = Symbol.for('baton.worker.runtime');

/** What baton-supervisor/worker calls; another copy of the package may call it, so it only grows. */
export interface RuntimeApi {
  ready(): void;
  onDrain?(listener: DrainListener): () => void;
}

/** How often a worker reports its counts (which also shows its event loop runs). */
const STATS_MS = 1000;
/** The drain deadline when an older master does not send one: its default --drain-timeout. */
const DEFAULT_DRAIN_MS = 30_000;

/** Installs the runtime; returns its API. */
export function installRuntime(boot: WorkerBootstrap): RuntimeApi {
  // Before net.Server#listen is patched below, so that baton's listen runs inside.
  installClusterCompat(boot.slot ?? boot.id);
  const listeners = boot.listeners;
  const listening = new Set<string>();
  /** Listener key → the server in this process that accepts on it. */
  const acceptors = new Map<string, net.Server>();
  let readyCalled = !boot.waitReady;
  let readySent = false;

  const send = (message: WorkerMessage, handle?: object, done?: (err: Error | null) => void): boolean => {
    if (!process.connected || !process.send) {
      done?.(new Error('IPC channel closed'));
      return false;
    }
    return process.send(message, handle as net.Socket | undefined, {}, (err) => done?.(err ?? null));
  };

  const hooks = new DrainHooks();
  const drainer = new Drainer({
    handOff(key, handle, done) {
      send({ v: WORKER_PROTOCOL_VERSION, type: 'handoff', key, hops: 0 }, handle, (err) => done(err === null));
    },
    drained() {
      process.exit(0);
    },
  });

  /** `adopt` messages received so far: the master sets them against what it has sent. */
  let adopted = 0;
  const balancer = boot.balance
    ? new Balancer(
        boot.balance.workers,
        () => drainer.counts().connections,
        () => !drainer.isDraining,
        (key, handle, done) => send({ v: WORKER_PROTOCOL_VERSION, type: 'handoff', key, hops: 0, shed: true, held: drainer.counts().connections, adopted }, handle, (err) => done(err === null)),
      )
    : undefined;

  const maybeReady = () => {
    if (readySent || !readyCalled || drainer.isDraining) return;
    if (!listeners.every((l) => listening.has(l.key))) return;
    readySent = true;
    send({ v: WORKER_PROTOCOL_VERSION, type: 'ready' });
  };

  const originalListen = net.Server.prototype.listen as unknown as Listen;

  /** With waitReady, accepting starts only when the app calls ready(): not before its warm-up. */
  const deferred: Array<() => void> = [];

  const claim = (server: net.Server, listener: WorkerListener, backlog: number | undefined) => {
    acceptors.set(listener.key, server);
    send({ v: WORKER_PROTOCOL_VERSION, type: 'claimed', key: listener.key });
    server.once('listening', () => {
      listening.add(listener.key);
      const acceptor = (server as net.Server & { _handle?: object | null })._handle;
      if (balancer && acceptor) balancer.wrap(acceptor, listener.key);
      maybeReady();
    });
    const start = () => originalListen.call(server, { fd: listener.fd, backlog });
    if (readyCalled) start();
    else deferred.push(start);
  };

  const patchedListen = function (this: net.Server, ...args: unknown[]): net.Server {
    const { request, backlog, callback } = normalizeListenArgs(args);
    if (request.kind === 'passthrough') return originalListen.apply(this, args);
    const match = matchListeners(request, listeners, process.cwd());
    if (match.ok && match.listeners.some((l) => acceptors.has(l.key))) {
      const taken = match.listeners.find((l) => acceptors.has(l.key))!;
      return failListen(this, `baton: listener ${taken.key} is already used by another server in this worker`, 'EADDRINUSE');
    }
    if (!match.ok) return failListen(this, match.message, 'EADDRNOTAVAIL');
    if (callback) this.once('listening', callback);
    guardAccept(this);
    const [first, ...more] = match.listeners;
    // Several master listeners on one port (say 127.0.0.1:3000 and [::1]:3000) feed one
    // app server: the extra ones are helper servers that pass their connections on.
    drainer.addServer(this, first!.key);
    for (const extra of more) {
      const helper = net.createServer((socket) => this.emit('connection', socket));
      this.once('close', () => helper.close());
      drainer.addHelper(helper);
      claim(helper, extra, backlog);
    }
    claim(this, first!, backlog);
    return this;
  };
  net.Server.prototype.listen = patchedListen as unknown as typeof net.Server.prototype.listen;

  process.on('message', (raw: unknown, handle?: NativeHandle) => {
    if (!isBatonMessage(raw)) return;
    const message = raw as MasterMessage;
    if (message.type === 'drain') drain(message.handoff, message.timeoutMs ?? DEFAULT_DRAIN_MS);
    else if (message.type === 'adopt' && handle) adopt(message.key, message.hops, handle);
    else if (message.type === 'balance') balancer?.setTotal(message.total, message.share);
  });

  const adopt = (key: string, hops: number, handle: NativeHandle) => {
    adopted++;
    const server = acceptors.get(key) as (net.Server & { _handle?: NativeHandle | null }) | undefined;
    const acceptor = server?._handle;
    if (!drainer.isDraining && acceptor && typeof acceptor.onconnection === 'function') {
      // Exactly what node does with a socket it accepted itself (and never passed on again).
      if (balancer?.accept(acceptor, handle)) return;
      acceptor.onconnection(0, handle);
      return;
    }
    // We are draining too: pass it back for another live worker, a bounded number of times.
    if (hops < 3) send({ v: WORKER_PROTOCOL_VERSION, type: 'handoff', key, hops: hops + 1 }, handle, () => handle.close?.());
    else handle.close?.();
  };

  const loop = new LoopMonitor();
  const fds = new FdWatch(openFilesLimit(), (message) => process.stderr.write(`baton: ${message}\n`));
  const reportStats = () => {
    const counts = drainer.counts();
    fds.check(counts.connections);
    send({ v: WORKER_PROTOCOL_VERSION, type: 'stats', ...counts, peak: drainer.takePeak(), ...loop.sample() });
  };
  const stats = setInterval(reportStats, STATS_MS);
  stats.unref();

  /** The app hears of the drain first (it may close its WebSockets), then the drain starts. */
  const drain = (handoff: boolean, timeoutMs: number) => {
    hooks.fire(timeoutMs);
    drainer.drain(handoff);
    reportStats();
  };

  // Our stdout and stderr are pipes to the master: once it is gone, a write fails with
  // EPIPE, which must not crash a worker that is finishing its requests.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

  // The master is gone (killed, or crashed): finish what is in flight, then leave.
  // It may have gone before this code ran, and then no event will come.
  process.on('disconnect', () => drain(false, DEFAULT_DRAIN_MS));
  if (!process.connected) process.nextTick(() => drain(false, DEFAULT_DRAIN_MS));

  return {
    ready() {
      if (readyCalled) return;
      readyCalled = true;
      for (const start of deferred.splice(0)) start();
      maybeReady();
    },
    onDrain: (listener) => hooks.add(listener),
  };
}

/**
 * An accept that fails for want of file descriptors (EMFILE, ENFILE) makes node emit
 * 'error' on the server, which kills an app that has no error listener: for those, the
 * worker goes on serving the connections it has (said once a minute at most). Any other
 * error, and any error when the app listens for them itself, behaves as before.
 */
function guardAccept(server: net.Server): void {
  let said = 0;
  server.prependListener('error', (err: NodeJS.ErrnoException) => {
    const exhausted = err.syscall === 'accept' && (err.code === 'EMFILE' || err.code === 'ENFILE');
    if (exhausted) {
      if (Date.now() - said > 60_000) {
        said = Date.now();
        process.stderr.write(`baton: worker ${process.pid} cannot accept connections: ${err.code} (out of file descriptors); it keeps serving the ones it has\n`);
      }
      return;
    }
    // Ours is the only listener: no one else handles it, so it is fatal, as it was.
    if (server.listenerCount('error') === 1) throw err;
  });
}

function failListen(server: net.Server, message: string, code: string): net.Server {
  const err = Object.assign(new Error(message), { code });
  process.nextTick(() => server.emit('error', err));
  return server;
}
