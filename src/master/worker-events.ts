// What events from worker processes and their timers mean: a worker reports ready, it
// exits (crashed if it was serving, failed if it never was, drained if it was told
// to), or it misses --ready-timeout. Each is applied to the cluster as it comes and
// reported as a fact to the operation that is running.
import { isBatonMessage } from '../protocol/worker.js';
import type { WorkerMessage } from '../protocol/worker.js';
import type { NativeHandle } from './handoff.js';
import { transition } from './lifecycle.js';
import type { ExitInfo } from './os.js';
import type { Cluster, ClusterEvent, Fact, Worker } from './reconcile.js';

/** Applies one event from a worker process or a timer to the cluster; returns what it means, if anything. */
export function applyEvent(cluster: Cluster, event: ClusterEvent): Fact | undefined {
  switch (event.type) {
    case 'worker-message':
      return onMessage(cluster, event.worker, event.message, event.handle);
    case 'worker-exit':
      return onExit(cluster, event.worker, event.info);
    case 'ready-timeout':
      if (event.worker.state !== 'starting') return undefined;
      return fail(cluster, event.worker, `worker ${event.worker.id} (generation ${event.worker.generation}) was not ready within ${cluster.settings.readyTimeoutMs}ms (--ready-timeout)`);
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
    cluster.router.route(cluster.workers, worker, message.key, message.hops, handle as NativeHandle, message.shed === true);
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
  if (message.type !== 'ready' || worker.state !== 'starting') return undefined;
  worker.state = transition(worker.state, 'ready');
  worker.readyAt = cluster.os.now();
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

/** A starting worker failed (crash or deadline): mark it, make it leave, report it. */
function fail(cluster: Cluster, worker: Worker, reason: string): Fact {
  const wasWanted = cluster.isWanted(worker);
  worker.state = transition(worker.state, 'failed');
  worker.failure = withStderr(reason, worker.proc.stderrLines());
  cluster.log.error(worker.failure);
  if (cluster.workers.has(worker)) {
    // Still running (missed its deadline): it may have accepted on some listener, so
    // it drains like any other worker.
    worker.proc.drain(cluster.router.canTake(worker, cluster.workers), cluster.settings.drainTimeoutMs, cluster.settings.killTimeoutMs);
  }
  if (wasWanted) worker.slot.lost = true;
  return { kind: 'failed', worker, reason: worker.failure };
}

/** A failure message with the tail of the worker's stderr, for the log and the caller. */
export function withStderr(message: string, lines: string[]): string {
  if (lines.length === 0) return `${message} (it wrote nothing to stderr)`;
  return `${message}. Last lines of its stderr:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}
