// The worker side of baton, installed before the app runs. The app's listen() calls
// are mapped onto the master's sockets (fds in this process's stdio table); the worker
// reports each listener the app claims, and ready once every listener is listening (and,
// with waitReady, once the app called ready()); on "drain" it drains, then exits.
import net from 'node:net';
import { Drainer } from './drain.js';
import { isBatonMessage, WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import type { MasterMessage, WorkerBootstrap, WorkerListener, WorkerMessage } from '../protocol/worker.js';
import { matchListeners, normalizeListenArgs } from './listen-map.js';

type Listen = (this: net.Server, ...args: unknown[]) => net.Server;
type NativeHandle = { close?: () => void; onconnection?: (err: number, handle: object) => void };

/** Shared with baton-supervisor/worker's ready() through a global, so both see one runtime. */
export const RUNTIME_KEY = Symbol.for('baton.worker.runtime');

export interface RuntimeApi {
  ready(): void;
}

/** Installs the runtime; returns its API. */
export function installRuntime(boot: WorkerBootstrap): RuntimeApi {
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

  const drainer = new Drainer({
    handOff(key, handle, done) {
      send({ v: WORKER_PROTOCOL_VERSION, type: 'handoff', key, hops: 0 }, handle, (err) => done(err === null));
    },
    drained() {
      process.exit(0);
    },
  });

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
    if (message.type === 'drain') drainer.drain(message.handoff);
    else if (message.type === 'adopt' && handle) adopt(message.key, message.hops, handle);
  });

  const adopt = (key: string, hops: number, handle: NativeHandle) => {
    const server = acceptors.get(key) as (net.Server & { _handle?: NativeHandle | null }) | undefined;
    const acceptor = server?._handle;
    if (!drainer.isDraining && acceptor && typeof acceptor.onconnection === 'function') {
      // Exactly what node does with a socket it accepted itself.
      acceptor.onconnection(0, handle);
      return;
    }
    // We are draining too: pass it back for another live worker, a bounded number of times.
    if (hops < 3) send({ v: WORKER_PROTOCOL_VERSION, type: 'handoff', key, hops: hops + 1 }, handle, () => handle.close?.());
    else handle.close?.();
  };

  // Our stdout and stderr are pipes to the master: once it is gone, a write fails with
  // EPIPE, which must not crash a worker that is finishing its requests.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

  // The master is gone (killed, or crashed): finish what is in flight, then leave.
  // It may have gone before this code ran, and then no event will come.
  process.on('disconnect', () => drainer.drain(false));
  if (!process.connected) process.nextTick(() => drainer.drain(false));

  return {
    ready() {
      if (readyCalled) return;
      readyCalled = true;
      for (const start of deferred.splice(0)) start();
      maybeReady();
    },
  };
}

function failListen(server: net.Server, message: string, code: string): net.Server {
  const err = Object.assign(new Error(message), { code });
  process.nextTick(() => server.emit('error', err));
  return server;
}
