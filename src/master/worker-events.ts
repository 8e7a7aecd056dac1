// What events from worker processes and their timers mean: a worker reports ready, it
// exits (crashed if it was serving, failed if it never was, drained if it was told
// to), or it misses --ready-timeout. Each is applied to the cluster as it comes and
// reported as a fact to the operation that is running.
import { isBatonMessage } from '../protocol/worker.js';
import type { WorkerMessage } from '../protocol/worker.js';
import type { NativeHandle } from './handoff.js';
import { transition } from './lifecycle.js';
import type { ExitInfo } from './os.js';
import type { ClusterEvent, Fact, Worker } from './cluster-model.js';
import type { Cluster } from './reconcile.js';

/** Applies one event from a worker process or a timer to the cluster; returns what it means, if anything. */
export function applyEvent(cluster: Cluster, event: ClusterEvent): Fact | undefined {
  switch (event.type) {
    case 'worker-message':
      return onMessage(cluster, event.worker, event.message, event.handle);
    case 'worker-exit':
      return onExit(cluster, event.worker, event.info);
    case 'ready-timeout':
      if (event.worker.state !== 'starting') return undefined;
      return fail(cluster, event.worker, notReady(event.worker, cluster.settings.readyTimeoutMs));
    case 'stable':
      // A worker that stays up for a while ends its slot's crash streak.
      if (event.worker.state === 'ready') event.worker.slot.streak = 0;
      return undefined;
    case 'wake':
      return undefined;
    case 'spawn-failed':
      return { kind: 'failed', worker: event.worker, reason: event.reason };
    case 'balance':
      cluster.sendBalance();
      return undefined;
  }
}

function onMessage(cluster: Cluster, worker: Worker, raw: unknown, handle: unknown): Fact | undefined {
  if (!isBatonMessage(raw)) return undefined;
  const message = raw as WorkerMessage;
  if (message.type === 'handoff' && handle) {
    const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? Math.max(0, n) : undefined);
    const held = count(message.held);
    const adopted = count(message.adopted);
    const said = held === undefined || adopted === undefined ? undefined : { held, adopted };
    cluster.router.route(cluster.workers, worker, message.key, message.hops, handle as NativeHandle, message.shed === true, said);
    cluster.balanceSoon();
    return undefined;
  }
  if (message.type === 'stats') {
    const now = cluster.os.now();
    const previous = worker.stats;
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    if (previous && seconds > 0) worker.requestRate = Math.max(0, (message.requests - previous.requests) / seconds);
    worker.stats = {
      connections: message.connections,
      ...(message.peak === undefined ? {} : { peak: message.peak }),
      upgraded: message.upgraded,
      requests: message.requests,
      ...(message.eventLoopDelayMs === undefined ? {} : { eventLoopDelayMs: message.eventLoopDelayMs }),
      ...(message.eventLoopUtilization === undefined ? {} : { eventLoopUtilization: message.eventLoopUtilization }),
      at: now,
    };
    worker.routed = 0;
    cluster.balanceSoon();
    return undefined;
  }
  if (message.type === 'claimed') {
    if (worker.claims.listeners.has(message.key)) worker.claims.listeners.set(message.key, true);
    return undefined;
  }
  if (message.type !== 'ready' || worker.state !== 'starting') return undefined;
  worker.state = transition(worker.state, 'ready');
  worker.readyAt = cluster.os.now();
  // Its share starts small and grows as it warms up: tell everyone.
  cluster.balanceSoon();
  cluster.log.info(`worker ${worker.id} ready (generation ${worker.generation})`);
  worker.timers.push(cluster.os.timer(cluster.backoff.stableAfterMs, () => cluster.post({ type: 'stable', worker })));
  return { kind: 'ready', worker };
}

function onExit(cluster: Cluster, worker: Worker, info: ExitInfo): Fact | undefined {
  if (!cluster.workers.delete(worker)) return undefined;
  for (const timer of worker.timers) timer.cancel();
  const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
  switch (worker.state) {
    case 'starting': {
      const fact = fail(cluster, worker, `worker ${worker.id} (generation ${worker.generation}) ${how} before it was ready`);
      return fact;
    }
    case 'ready': {
      worker.state = transition(worker.state, 'exited');
      cluster.log.warn(withStderr(`worker ${worker.id} (pid ${worker.proc.pid}) ${how} unexpectedly`, worker.proc.stderrLines()));
      if (cluster.isWanted(worker)) worker.slot.lost = true;
      return { kind: 'exited', worker };
    }
    case 'draining':
      worker.state = transition(worker.state, 'exited');
      cluster.log.info(`worker ${worker.id} drained and ${how}`);
      return { kind: 'exited', worker };
    default:
      // failed: it already told whoever asked; exited: cannot happen twice.
      return { kind: 'exited', worker };
  }
}

/**
 * Why a worker missed --ready-timeout, from what its app claimed: the listeners it never
 * called listen() for, or ready() never called, and what to do about it.
 */
export function notReady(worker: Worker, timeoutMs: number): string {
  const head = `worker ${worker.id} (generation ${worker.generation}) was not ready within ${timeoutMs}ms (--ready-timeout)`;
  const all = [...worker.claims.listeners];
  const claimed = all.filter(([, c]) => c).map(([key]) => key);
  const never = all.filter(([, c]) => !c).map(([key]) => key);
  if (all.length === 0) return head;
  if (never.length === 0) {
    return worker.claims.waitReady
      ? `${head}: the app listens on ${claimed.join(', ')} but never called ready(). With --wait-ready a worker is ready only once the app calls ready() from baton-supervisor/worker: call it when the app is warm, or start baton without --wait-ready`
      : `${head}: the app called listen() on ${claimed.join(', ')} but its servers were still not listening: its event loop may be blocked, or it needs a longer --ready-timeout`;
  }
  const calls = never.map(listenCall).join(' and ');
  if (claimed.length === 0) {
    return `${head}: the app never called listen() for ${never.length === 1 ? 'the baton listener' : 'any of the baton listeners'} ${never.join(', ')}. Make it listen on process.env.PORT (or call ${calls}); if it needs longer to start, raise --ready-timeout`;
  }
  const those = never.length === 1 ? 'that listener' : 'those listeners';
  return (
    `${head}: the app listens on ${claimed.join(', ')} but never on ${never.join(', ')}. A worker is ready once its app listens on every baton listener: ` +
    `make the app also call ${calls}, or remove ${those} from --listen (or "listen" in the config file)`
  );
}

/** The listen() call that claims a listener: its port for TCP, its path for a unix socket. */
function listenCall(key: string): string {
  const tcp = /^(?:\[[^\]]+\]|[^/]+):(\d+)$/.exec(key);
  return tcp ? `server.listen(${tcp[1]})` : `server.listen(${JSON.stringify(key)})`;
}

/** A starting worker failed (crash or deadline): mark it, make it leave, report it. */
function fail(cluster: Cluster, worker: Worker, reason: string): Fact {
  const wasWanted = cluster.isWanted(worker);
  worker.state = transition(worker.state, 'failed');
  worker.failure = withStderr(reason, worker.proc.stderrLines());
  // The log already holds the worker's own stderr lines, just above: once is enough.
  cluster.log.error(withoutStderr(worker.failure));
  if (cluster.workers.has(worker)) {
    // Still running (missed its deadline): it may have accepted on some listener, so
    // it drains like any other worker.
    worker.proc.drain(cluster.router.canTake(worker, cluster.workers), cluster.settings.drainTimeoutMs, cluster.settings.killTimeoutMs);
  }
  if (wasWanted) worker.slot.lost = true;
  return { kind: 'failed', worker, reason: worker.failure };
}

/** A failure message with the tail of the worker's stderr, for whoever asked (a reload's caller). */
export function withStderr(message: string, lines: string[]): string {
  if (lines.length === 0) return `${message} (it wrote nothing to stderr)`;
  return `${message}. Last lines of its stderr:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}

/**
 * The same message for a reader who has just seen the worker's stderr in the master's
 * log (each line tagged [worker N ...]): without the tail, so a stack is printed once.
 */
export function withoutStderr(message: string): string {
  return message.replace(/\. Last lines of its stderr:\n(?: {2}\| .*(?:\n|$))+/g, ' (its stderr is above, in the [worker] lines)');
}
