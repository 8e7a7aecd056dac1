// The supervisor is the one owner of the cluster's mutable state: slots, workers,
// generations and the running operation. Its rules: generation N drains only after
// N+1 is ready, and a new worker failing never takes an old one down. Signals and
// control requests only call its methods; nothing else changes its state.
import { errors } from '../errors.js';
import type { MasterOptions } from '../config/options.js';
import { WORKER_PROTOCOL_VERSION, isBatonMessage } from '../protocol/worker.js';
import type { WorkerMessage } from '../protocol/worker.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';
import { batchSize } from './batch.js';
import type { BatchSpec } from './batch.js';
import { isTerminal, transition } from './lifecycle.js';
import type { WorkerState } from './lifecycle.js';
import type { Listener } from './listeners.js';
import type { Logger } from './log.js';
import { WorkerProcess } from './worker-process.js';
import type { ExitInfo } from './worker-process.js';
import { CpuMeter, readProcStats } from './proc-stats.js';
import type { HandoffRoute, NativeHandle, OperationRecord, ReloadResult, StatusSnapshot, SupervisorCounters, WorkerStatus } from './status.js';

interface Slot {
  index: number;
  /** The worker serving this slot (or starting to, after a crash). */
  worker: Worker | undefined;
  restarts: number;
  /** Crashes in a row; reset once a worker has stayed ready for a while. */
  streak: number;
  backoff: NodeJS.Timeout | undefined;
  nextRestartAt: number | undefined;
}

interface Worker {
  proc: WorkerProcess;
  slot: Slot;
  state: WorkerState;
  readyAt: number | undefined;
  /** Why it failed: shown to the reload caller and in the log. */
  failure: string | undefined;
  /** Restarted after a crash: if it fails too, the slot backs off again. */
  respawn: boolean;
  waiters: Array<{ resolve: () => void; reject: (err: Error) => void }>;
  timers: NodeJS.Timeout[];
}

export type { HandoffRoute, NativeHandle, OperationRecord, ReloadResult, StatusSnapshot, SupervisorCounters, WorkerStatus } from './status.js';

/** Runs the cluster: start, rolling reload, crash respawn, graceful stop. */
export class Supervisor {
  private readonly slots: Slot[];
  private readonly workers = new Set<Worker>();
  private readonly startedAt = Date.now();
  private nextId = 1;
  private nextGeneration = 1;
  private generation = 0;
  private operation: 'reload' | 'swap' | undefined;
  private stopping: Promise<void> | undefined;
  private handoffCursor = 0;
  private lastReload: OperationRecord | null = null;
  private externalRoute: HandoffRoute | undefined;
  private hasStarted = false;
  private readonly cpu = new CpuMeter();

  constructor(
    private readonly options: MasterOptions,
    private readonly listeners: readonly Listener[],
    private readonly log: Logger,
    resume?: SupervisorCounters,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {
    if (resume) {
      this.nextId = resume.nextId;
      this.nextGeneration = resume.nextGeneration;
      this.generation = resume.generation;
    }
    this.slots = Array.from({ length: options.workers }, (_, i) => ({
      index: i + 1,
      worker: undefined,
      restarts: resume?.restarts[i] ?? 0,
      streak: 0,
      backoff: undefined,
      nextRestartAt: undefined,
    }));
  }

  /** Starts every slot's first worker; resolves when all are ready, or stops them all and throws. */
  async start(): Promise<void> {
    const generation = this.nextGeneration++;
    const first = this.slots.map((slot) => (slot.worker = this.spawn(slot, generation)));
    try {
      await Promise.all(first.map((w) => this.whenReady(w)));
      this.generation = generation;
      this.hasStarted = true;
      this.log.info(`cluster ready: ${first.length} workers of generation ${generation}`);
      this.watchMemory();
    } catch (err) {
      await this.stop();
      throw errors.startFailed(`the cluster did not start: ${(err as Error).message}`);
    }
  }

  /**
   * Rolls every slot onto a new generation, a batch at a time: start the batch, wait
   * for it to be ready, then drain as many old workers. If a new worker fails, the
   * batch's new workers are drained and the old ones keep serving.
   */
  async reload(batch: BatchSpec = this.options.batch): Promise<ReloadResult> {
    if (this.stopping) throw errors.stopping();
    if (this.operation) throw errors.reloadInProgress();
    this.operation = 'reload';
    const generation = this.nextGeneration++;
    const started = Date.now();
    const size = batchSize(this.slots.length, batch);
    this.log.info(`reload: rolling ${this.slots.length} workers onto generation ${generation}, ${size} at a time`);
    let replaced = 0;
    try {
      for (;;) {
        if (this.stopping) throw errors.stopping();
        const pending = this.slots.filter((s) => !s.worker || s.worker.proc.generation < generation);
        if (pending.length === 0) break;
        const group = pending.slice(0, size);
        const incoming = group.map((slot) => {
          this.cancelBackoff(slot);
          return this.spawn(slot, generation);
        });
        try {
          await Promise.all(incoming.map((w) => this.whenReady(w)));
        } catch (err) {
          await Promise.all(incoming.map((w) => this.drainWorker(w, true)));
          if (this.stopping) throw errors.stopping();
          const kept = replaced === 0 ? 'the old generation keeps serving' : `${replaced} of ${this.slots.length} workers had already moved to generation ${generation} and keep serving with the rest`;
          throw errors.reloadFailed(`reload to generation ${generation} failed, ${kept}: ${(err as Error).message}`);
        }
        const outgoing: Worker[] = [];
        group.forEach((slot, i) => {
          if (slot.worker) outgoing.push(slot.worker);
          slot.worker = incoming[i];
        });
        replaced += group.length;
        await Promise.all(outgoing.map((w) => this.drainWorker(w, true)));
      }
      this.generation = generation;
      const durationMs = Date.now() - started;
      this.lastReload = { kind: 'reload', generation, ok: true, startedAt: new Date(started).toISOString(), durationMs };
      this.log.info(`reload: generation ${generation} serving on all ${this.slots.length} workers (${durationMs}ms)`);
      return { generation, durationMs, workers: this.slots.length };
    } catch (err) {
      const message = (err as Error).message;
      this.lastReload = {
        kind: 'reload',
        generation,
        ok: false,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        error: message,
      };
      this.log.error(message);
      throw err;
    } finally {
      this.operation = undefined;
    }
  }

  /**
   * With --max-memory: every second, a ready worker above the limit is replaced by a
   * rolling swap of its slot (its successor is ready before it drains), one at a time
   * and never during a reload.
   */
  private watchMemory(): void {
    const limit = this.options.maxMemoryBytes;
    if (!limit) return;
    const timer = setInterval(() => {
      if (this.stopping) clearInterval(timer);
      if (this.stopping || this.operation) return;
      for (const slot of this.slots) {
        const worker = slot.worker;
        if (worker?.state !== 'ready' || worker.proc.pid === undefined) continue;
        const rss = readProcStats(worker.proc.pid)?.rssBytes ?? 0;
        if (rss <= limit) continue;
        this.log.warn(`worker ${worker.proc.id} (pid ${worker.proc.pid}) uses ${Math.round(rss / 1024 ** 2)}MB, above --max-memory ${Math.round(limit / 1024 ** 2)}MB: replacing it`);
        void this.swap(slot).catch((err: Error) => this.log.error(`memory swap of slot ${slot.index} failed, the worker keeps serving: ${err.message}`));
        return;
      }
    }, 1000);
    timer.unref();
  }

  /** Replaces one slot's worker without a gap: start, wait ready, then drain the old one. */
  private async swap(slot: Slot): Promise<void> {
    const old = slot.worker!;
    this.operation = 'swap';
    try {
      const incoming = this.spawn(slot, old.proc.generation);
      try {
        await this.whenReady(incoming);
      } catch (err) {
        await this.drainWorker(incoming, true);
        throw err;
      }
      if (this.stopping) return;
      slot.worker = incoming;
      await this.drainWorker(old, true);
    } finally {
      this.operation = undefined;
    }
  }

  /** True once the first workers were all ready (for a successor: once its own were). */
  get started(): boolean {
    return this.hasStarted;
  }

  /** True while every slot has a ready worker and the cluster is not stopping. */
  allReady(): boolean {
    return !this.stopping && this.slots.every((s) => s.worker?.state === 'ready');
  }

  /** True while a reload runs: a master upgrade must wait for it. */
  get busy(): boolean {
    return this.operation !== undefined;
  }

  /** What a successor master needs to carry on counting. */
  counters(): SupervisorCounters {
    return { nextId: this.nextId, nextGeneration: this.nextGeneration, generation: this.generation, restarts: this.slots.map((s) => s.restarts) };
  }

  /** A connection handed over from elsewhere (the previous master): give it to a ready worker. */
  adopt(key: string, hops: number, handle: NativeHandle): void {
    this.routeHandoff(undefined, key, hops, handle);
  }

  /**
   * Drains every worker (in-flight requests finish), then resolves. Idempotent. With
   * `handoff`, idle keep-alive connections go there (to the successor master) instead
   * of being closed.
   */
  stop(handoff?: HandoffRoute): Promise<void> {
    this.stopping ??= (async () => {
      this.externalRoute = handoff;
      for (const slot of this.slots) this.cancelBackoff(slot);
      this.log.info(`stopping: draining ${this.workers.size} workers`);
      await Promise.all([...this.workers].map((w) => this.drainWorker(w, handoff !== undefined)));
      this.log.info('stopped: every worker has exited');
    })();
    return this.stopping;
  }

  /** A point-in-time view for `baton status`. */
  status(): StatusSnapshot {
    const now = Date.now();
    const workers: WorkerStatus[] = [...this.workers]
      .sort((a, b) => a.slot.index - b.slot.index || a.proc.id - b.proc.id)
      .map((w) => {
        const stats = w.proc.pid === undefined ? undefined : readProcStats(w.proc.pid);
        return {
          id: w.proc.id,
          pid: w.proc.pid ?? null,
          slot: w.slot.index,
          generation: w.proc.generation,
          state: w.state,
          uptimeMs: now - w.proc.startedAt,
          restarts: w.slot.restarts,
          ...(stats ? { rssBytes: stats.rssBytes, cpuPercent: Math.round(this.cpu.percent(w.proc.pid!, stats.cpuSeconds) * 10) / 10 } : {}),
        };
      });
    for (const slot of this.slots) {
      if (slot.backoff && slot.nextRestartAt !== undefined) {
        workers.push({
          id: null,
          pid: null,
          slot: slot.index,
          generation: this.generation,
          state: 'backoff',
          uptimeMs: 0,
          restarts: slot.restarts,
          nextRestartInMs: Math.max(0, slot.nextRestartAt - now),
        });
      }
    }
    return {
      pid: process.pid,
      node: process.version,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeMs: now - this.startedAt,
      rssBytes: readProcStats(process.pid)?.rssBytes ?? process.memoryUsage().rss,
      generation: this.generation,
      operation: this.stopping ? 'stop' : (this.operation ?? null),
      listeners: this.listeners.map((l) => l.key),
      workers,
      lastReload: this.lastReload,
      lastUpgrade: null,
    };
  }

  private spawn(slot: Slot, generation: number, respawn = false): Worker {
    const proc = new WorkerProcess({
      id: this.nextId++,
      generation,
      app: this.options.app,
      appArgs: this.options.appArgs,
      nodePath: this.options.nodePath,
      nodeArgs: this.options.nodeArgs,
      cwd: this.options.cwd,
      env: this.options.env,
      listeners: this.listeners,
      waitReady: this.options.waitReady,
      output: (line) => this.log.worker(line),
    });
    const worker: Worker = { proc, slot, state: 'starting', readyAt: undefined, failure: undefined, respawn, waiters: [], timers: [] };
    this.workers.add(worker);
    this.log.info(`worker ${proc.id} started (pid ${proc.pid ?? '?'}, slot ${slot.index}, generation ${generation})`);
    const ms = this.options.readyTimeoutMs;
    this.timer(worker, ms, () => this.fail(worker, `worker ${proc.id} (generation ${generation}) was not ready within ${ms}ms (--ready-timeout)`));
    proc.onMessage((message, handle) => this.onMessage(worker, message, handle));
    void proc.exited.then((info) => this.onExit(worker, info));
    return worker;
  }

  private onMessage(worker: Worker, raw: unknown, handle: unknown): void {
    if (!isBatonMessage(raw)) return;
    const message = raw as WorkerMessage;
    if (message.type === 'ready') this.onReady(worker);
    else if (message.type === 'handoff' && handle) this.routeHandoff(worker, message.key, message.hops, handle as NativeHandle);
  }

  private onReady(worker: Worker): void {
    if (worker.state !== 'starting') return;
    this.move(worker, 'ready');
    worker.readyAt = Date.now();
    this.log.info(`worker ${worker.proc.id} ready (generation ${worker.proc.generation})`);
    for (const waiter of worker.waiters.splice(0)) waiter.resolve();
    // A worker that stays up for a while ends its slot's crash streak.
    this.timer(worker, this.backoff.stableAfterMs, () => {
      if (worker.state === 'ready') worker.slot.streak = 0;
    });
  }

  /** A starting worker missed its deadline: mark it failed and make it leave. */
  private fail(worker: Worker, reason: string): void {
    if (worker.state !== 'starting') return;
    this.move(worker, 'failed');
    worker.failure = withStderr(reason, worker.proc.stderrLines());
    this.log.error(worker.failure);
    for (const waiter of worker.waiters.splice(0)) waiter.reject(new Error(worker.failure));
    // It may have started accepting on some listener: let it finish what it took.
    worker.proc.drain(this.hasLiveWorker(worker), this.options.drainTimeoutMs, this.options.killTimeoutMs);
    this.afterFailure(worker);
  }

  private onExit(worker: Worker, info: ExitInfo): void {
    this.workers.delete(worker);
    if (worker.proc.pid !== undefined) this.cpu.forget(worker.proc.pid);
    for (const timer of worker.timers) clearTimeout(timer);
    const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
    switch (worker.state) {
      case 'starting': {
        this.move(worker, 'failed');
        worker.failure = withStderr(`worker ${worker.proc.id} (generation ${worker.proc.generation}) ${how} before it was ready`, worker.proc.stderrLines());
        this.log.error(worker.failure);
        for (const waiter of worker.waiters.splice(0)) waiter.reject(new Error(worker.failure));
        this.afterFailure(worker);
        break;
      }
      case 'ready':
        this.move(worker, 'exited');
        this.log.warn(withStderr(`worker ${worker.proc.id} (pid ${worker.proc.pid}) ${how} unexpectedly`, worker.proc.stderrLines()));
        if (worker.slot.worker === worker && !this.stopping) this.scheduleRespawn(worker.slot, worker.proc.generation);
        break;
      case 'draining':
        this.move(worker, 'exited');
        this.log.info(`worker ${worker.proc.id} drained and ${how}`);
        break;
      default:
        break;
    }
  }

  /** A failed worker that was itself a crash replacement keeps its slot backing off. */
  private afterFailure(worker: Worker): void {
    if (worker.respawn && worker.slot.worker === worker && !this.stopping) {
      this.scheduleRespawn(worker.slot, worker.proc.generation);
    }
  }

  private scheduleRespawn(slot: Slot, generation: number): void {
    if (slot.backoff) return;
    slot.restarts++;
    slot.streak++;
    const delay = backoffDelay(slot.streak, this.backoff);
    const loop = slot.streak >= 3 ? ` — crash loop: ${slot.streak} failures in a row` : '';
    this.log.warn(`slot ${slot.index}: restarting its worker in ${delay}ms (restart ${slot.restarts})${loop}`);
    slot.nextRestartAt = Date.now() + delay;
    slot.backoff = setTimeout(() => {
      slot.backoff = undefined;
      slot.nextRestartAt = undefined;
      if (this.stopping) return;
      if (slot.worker && !isTerminal(slot.worker.state)) return;
      slot.worker = this.spawn(slot, generation, true);
    }, delay);
  }

  private cancelBackoff(slot: Slot): void {
    if (slot.backoff) clearTimeout(slot.backoff);
    slot.backoff = undefined;
    slot.nextRestartAt = undefined;
  }

  /** Resolves once the worker is ready; rejects with the reason if it fails first. */
  private whenReady(worker: Worker): Promise<void> {
    if (worker.state === 'ready') return Promise.resolve();
    if (worker.state !== 'starting') return Promise.reject(new Error(worker.failure ?? `worker ${worker.proc.id} stopped before it was ready`));
    return new Promise((resolve, reject) => worker.waiters.push({ resolve, reject }));
  }

  /** Drains a worker (unless it is already leaving) and resolves when its process is gone. */
  private async drainWorker(worker: Worker, handoff: boolean): Promise<void> {
    if (worker.state === 'starting' || worker.state === 'ready') {
      this.move(worker, 'draining');
      for (const waiter of worker.waiters.splice(0)) waiter.reject(new Error(`worker ${worker.proc.id} was stopped before it was ready`));
      worker.proc.drain(handoff && (this.hasLiveWorker(worker) || this.externalRoute !== undefined), this.options.drainTimeoutMs, this.options.killTimeoutMs);
    }
    await worker.proc.exited;
  }

  private hasLiveWorker(except: Worker): boolean {
    for (const w of this.workers) if (w !== except && w.state === 'ready') return true;
    return false;
  }

  /**
   * An idle keep-alive connection from a draining worker: give it to a ready worker,
   * newest generation first, round robin. The master only forwards the handle; it
   * never reads from it.
   */
  private routeHandoff(from: Worker | undefined, key: string, hops: number, handle: NativeHandle): void {
    const ready = [...this.workers].filter((w) => w !== from && w.state === 'ready');
    const newest = Math.max(...ready.map((w) => w.proc.generation));
    const pool = ready.filter((w) => w.proc.generation === newest);
    const target = pool[this.handoffCursor++ % Math.max(1, pool.length)];
    if (!target) {
      if (this.externalRoute) this.externalRoute(key, hops, handle);
      else handle.close();
      return;
    }
    target.proc.send({ v: WORKER_PROTOCOL_VERSION, type: 'adopt', key, hops }, handle, () => handle.close());
  }

  private move(worker: Worker, to: WorkerState): void {
    worker.state = transition(worker.state, to);
  }

  private timer(worker: Worker, ms: number, action: () => void): void {
    const timer = setTimeout(action, ms);
    timer.unref();
    worker.timers.push(timer);
  }
}


function withStderr(message: string, lines: string[]): string {
  if (lines.length === 0) return `${message} (it wrote nothing to stderr)`;
  return `${message}. Last lines of its stderr:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}
