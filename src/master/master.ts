// One master process: the owner of the listeners, the control socket, the health and
// metrics endpoints. It turns signals and control requests into supervisor calls (HUP
// reload, USR2 upgrade, TERM/INT stop) and hands everything to a successor on upgrade.
import { accessSync, constants as fsConstants } from 'node:fs';
import type net from 'node:net';
import { dirname } from 'node:path';
import { closeControl, listenControl } from '../control/server.js';
import type { Request } from '../protocol/control.js';
import type { MasterOptions } from '../config/options.js';
import { errors, isBatonError } from '../errors.js';
import { parseBatchSpec } from './batch.js';
import { HANDOVER_VERSION } from '../protocol/handover.js';
import { healthFd, serveHealth } from './health.js';
import { Metrics, serveMetrics } from './metrics.js';
import type { HandoverState } from '../protocol/handover.js';
import { closeListeners } from './listeners.js';
import type { Listener } from './listeners.js';
import { Logger } from './log.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { SuccessorProcess } from './successor-process.js';
import { Supervisor } from './supervisor.js';
import type { NativeHandle, StatusSnapshot } from './supervisor.js';
import { notifySystemd } from './systemd.js';
import { watchForReload } from './watch.js';

export interface UpgradeResult {
  pid: number;
  previousPid: number;
  node: string;
}

/** One master process: the owner of the listeners and the control socket. */
export class Master {
  private control: net.Server | undefined;
  private health: net.Server | undefined;
  private metricsServer: net.Server | undefined;
  /** Prometheus metrics, when --metrics is set. */
  readonly metrics: Metrics | undefined;
  /** Once a stop with --lb-grace begins: /healthz answers 503. */
  private leaving = false;
  private stopping: Promise<void> | undefined;
  private upgrading = false;
  /** The last upgrade, as `baton status` shows it. */
  lastUpgrade: StatusSnapshot['lastUpgrade'] = null;
  /** The successor of a running upgrade until it is ready: a stop now kills it. */
  private pendingSuccessor: SuccessorProcess | undefined;
  /** Set once a successor owns everything: this process must not close or unlink it. */
  private handedOver = false;
  private readonly done: Promise<void>;
  private markDone!: () => void;

  constructor(
    private readonly options: MasterOptions,
    private readonly listeners: Listener[],
    private supervisor: Supervisor,
    private readonly log: Logger,
  ) {
    this.done = new Promise((resolve) => (this.markDone = resolve));
    this.metrics = options.metrics ? new Metrics({ status: () => this.metricsSnapshot() }) : undefined;
  }

  /** Serves /metrics when --metrics is set (binds it: a successor does so at takeover). */
  async serveMetrics(): Promise<void> {
    if (!this.metrics || !this.options.metrics || this.metricsServer?.listening) return;
    try {
      this.metricsServer = await serveMetrics(this.metrics, this.options.metrics);
    } catch (err) {
      const where = `${this.options.metrics.host}:${this.options.metrics.port}`;
      throw errors.listenFailed(`the metrics endpoint ${where}`, (err as NodeJS.ErrnoException).code ?? 'error', 'Choose another --metrics address.');
    }
  }

  private metricsSnapshot() {
    const status = this.supervisor.status();
    return {
      workers: status.workers.map((w) => ({ state: w.state, generation: w.generation, pid: w.pid, rssBytes: w.rssBytes })),
      masterRssBytes: status.rssBytes,
      restartsTotal: status.workers.length === 0 ? 0 : this.supervisor.counters().restarts.reduce((a, b) => a + b, 0),
    };
  }

  /** Starts the control socket and the signal handlers. */
  async listen(): Promise<void> {
    this.control = await listenControl(this.options.control, (request) => this.handle(request) as never);
    if (this.options.pidFile) writePidFile(this.options.pidFile);
  }

  /** Serves the health endpoint, binding it or on an fd inherited from the previous master. */
  async serveHealth(inheritedFd?: number): Promise<void> {
    if (!this.options.health) return;
    const state = { serving: () => this.supervisor.started, leaving: () => this.leaving, ready: () => this.supervisor.allReady() };
    this.health = await serveHealth(state, inheritedFd === undefined ? this.options.health : { fd: inheritedFd });
  }

  /** Development watch mode: reloads when files under the app's directory change. */
  watch(): () => void {
    const dir = dirname(this.options.app);
    this.log.info(`watch: reloading on changes under ${dir}`);
    return watchForReload({ dir, reload: () => this.reload(undefined), log: (m) => this.log.info(m) });
  }

  installSignals(): void {
    process.on('SIGHUP', () => {
      this.reload(undefined).catch((err) => this.logSignalError('SIGHUP', err));
    });
    process.on('SIGUSR2', () => {
      this.upgrade(undefined).catch((err) => this.logSignalError('SIGUSR2', err));
    });
    // logrotate: the file was moved; write on at its path. (This listener also keeps
    // Node's default SIGUSR1, starting the inspector, from running.)
    process.on('SIGUSR1', () => {
      try {
        this.reopenLog('SIGUSR1');
      } catch (err) {
        this.log.warn(`SIGUSR1: ${(err as Error).message}`);
      }
    });
    process.on('SIGTERM', () => void this.stop('SIGTERM'));
    process.on('SIGINT', () => void this.stop('SIGINT'));
  }

  /** Serves (watching files with --watch) until stopped or handed over, then lets go; resolves with the exit code. */
  async serveUntilDone(): Promise<number> {
    const unwatch = this.options.watch ? this.watch() : undefined;
    await this.finished();
    unwatch?.();
    await this.close();
    this.log.info('master exiting');
    return 0;
  }

  /** Resolves when this master is done: stopped, or handed over to a successor. */
  finished(): Promise<void> {
    return this.done;
  }

  /** Stops gracefully; with lbGraceMs, first tells the load balancer (503) and keeps serving that long. */
  stop(why: string, lbGraceMs = this.options.lbGraceMs): Promise<void> {
    // A stop wins over an upgrade that has not reached its point of no return.
    void this.pendingSuccessor?.kill(this.options.killTimeoutMs);
    if (!this.stopping) {
      const grace = this.options.health && lbGraceMs > 0 ? lbGraceMs : 0;
      this.log.info(`${why}: stopping gracefully${grace ? `; /healthz says 503 for ${grace}ms first (--lb-grace)` : ''}`);
      this.leaving = grace > 0;
      this.stopping = (grace ? new Promise((resolve) => setTimeout(resolve, grace)) : Promise.resolve())
        .then(() => this.supervisor.stop())
        .then(() => this.markDone());
    }
    return this.stopping;
  }

  /**
   * Replaces this master with a new process (on `nodePath`, or the same Node) running
   * the code on disk. Until the successor is ready nothing changes here; after that,
   * this master drains its workers (idle connections go to the successor's), lets go
   * of the control socket and pid file, and exits.
   */
  async upgrade(nodePath: string | undefined): Promise<UpgradeResult> {
    if (this.stopping) throw errors.stopping();
    if (this.upgrading || this.supervisor.busy) throw errors.reloadInProgress();
    this.upgrading = true;
    const started = Date.now();
    const node = nodePath ?? this.options.nodePath;
    let successor: SuccessorProcess | undefined;
    let committed = false;
    try {
      try {
        accessSync(node, fsConstants.X_OK);
      } catch {
        throw errors.upgradeFailed(`the Node.js binary ${node} does not exist or is not executable; give the path of a node binary with --node`);
      }
      const fresh = await this.freshOptions();
      if (JSON.stringify(fresh.listen) !== JSON.stringify(this.options.listen)) {
        this.log.warn('upgrade: the listeners in the config changed; an upgrade keeps the sockets it has (restart baton to change them)');
      }
      const state: HandoverState = {
        v: HANDOVER_VERSION,
        fromPid: process.pid,
        options: { ...fresh, listen: this.options.listen, nodePath: node },
        listeners: this.listeners.map((l) => ({ key: l.key, spec: l.spec, host: l.host, port: l.port })),
        counters: this.supervisor.counters(),
        health: this.health !== undefined,
        startedAt: new Date(started).toISOString(),
      };
      successor = new SuccessorProcess(node, state, this.listeners, this.health ? healthFd(this.health) : undefined);
      this.pendingSuccessor = successor;
      this.log.info(`upgrade: started new master ${successor.pid} on ${node}; waiting for its workers`);
      const ready = await successor.ready(this.options.upgradeTimeoutMs);
      // A stop that came while the successor started wins: it is killed, not handed to.
      if (this.stopping) throw errors.stopping();
      // From here on the successor serves; this master only winds down.
      committed = true;
      this.pendingSuccessor = undefined;
      // The successor answers health checks now (it is ready); this master, draining, stops.
      this.health?.close();
      // The metrics port is bound anew by the successor when it takes over.
      this.metricsServer?.close();
      this.log.info(`upgrade: new master ${ready.pid} (node ${ready.node}) is ready; draining this master's workers`);
      const target = successor;
      this.stopping = this.supervisor.stop((key: string, hops: number, handle: NativeHandle) => target.adopt(key, hops, handle));
      await this.stopping;
      if (this.control) closeControl(this.control, this.options.control);
      await successor.takeover(this.options.upgradeTimeoutMs);
      this.handedOver = true;
      const notified = await notifySystemd(`MAINPID=${ready.pid}`);
      if (notified) this.log.warn(notified);
      this.log.info(`upgrade: master ${ready.pid} has taken over; master ${process.pid} exits`);
      // Exit once the caller has its answer.
      setImmediate(() => this.markDone());
      return { pid: ready.pid, previousPid: process.pid, node: ready.node };
    } catch (err) {
      if (!this.handedOver) await successor?.kill(this.options.killTimeoutMs);
      const message = (err as Error).message;
      this.lastUpgrade = {
        kind: 'upgrade',
        generation: this.supervisor.counters().generation,
        ok: false,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        error: message,
        fromPid: process.pid,
        ...(successor?.pid === undefined ? {} : { toPid: successor.pid }),
      };
      this.metrics?.recordOperation('upgrade', 'failed', (Date.now() - started) / 1000);
      if (committed && !this.handedOver) {
        // The successor died after it was ready, while this master drained: nobody may
        // be accepting now. Start workers again here (the sockets never closed).
        this.log.error(`upgrade failed after the new master was ready: ${message}; starting workers again in master ${process.pid}`);
        await this.recover();
        throw errors.upgradeFailed(`${message}; master ${process.pid} started new workers and keeps serving`);
      }
      this.log.error(`upgrade failed, this master (${process.pid}) keeps serving: ${message}`);
      throw isBatonError(err) ? err : errors.upgradeFailed(message);
    } finally {
      this.upgrading = false;
      this.pendingSuccessor = undefined;
    }
  }

  private async reload(batch: string | undefined): Promise<unknown> {
    if (this.upgrading) throw errors.reloadInProgress();
    if (this.supervisor.busy) throw errors.reloadInProgress();
    // The config file is read again, and checked, before anything changes.
    this.applyToWorkers(await this.freshOptions());
    const started = performance.now();
    try {
      const result = await this.supervisor.reload(batch === undefined ? undefined : parseBatchSpec(batch));
      this.metrics?.recordOperation('reload', 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      const refused = isBatonError(err) && (err.code === 'BATON_BUSY' || err.code === 'BATON_STOPPING');
      if (!refused) this.metrics?.recordOperation('reload', 'failed', (performance.now() - started) / 1000);
      throw err;
    }
  }

  /**
   * The options as the command line and the config file give them now (the config file
   * may have changed since the start). Throws, changing nothing, if the file is invalid.
   */
  private async freshOptions(): Promise<MasterOptions> {
    const source = this.options.source;
    if (!source?.configFile) return this.options;
    const { resolveStart } = await import('../config/resolve.js');
    return resolveStart(source.flags, source.positionals, source.appArgs, source.cwd);
  }

  /** A reload applies what its new workers need; the rest waits for a master upgrade. */
  private applyToWorkers(fresh: MasterOptions): void {
    const perWorker = ['app', 'appArgs', 'env', 'nodeArgs', 'cwd', 'readyTimeoutMs', 'drainTimeoutMs', 'killTimeoutMs', 'batch', 'waitReady', 'maxMemoryBytes'] as const;
    for (const key of perWorker) (this.options as unknown as Record<string, unknown>)[key] = fresh[key];
    const changed = (Object.keys(fresh) as Array<keyof MasterOptions>).filter(
      (key) => !(perWorker as readonly string[]).includes(key) && key !== 'source' && JSON.stringify(fresh[key]) !== JSON.stringify(this.options[key]),
    );
    if (changed.length > 0) this.log.warn(`reload: ${changed.join(', ')} changed in the config; that takes effect at the next baton upgrade`);
  }

  /** After a successor failed past the point of no return: a fresh set of workers and the control socket again. */
  private async recover(): Promise<void> {
    this.supervisor = new Supervisor(this.options, this.listeners, this.log, this.supervisor.counters());
    this.stopping = undefined;
    try {
      if (this.health && !this.health.listening && this.options.health) await this.serveHealth();
      await this.serveMetrics();
      if (this.control && !this.control.listening) this.control = await listenControl(this.options.control, (request) => this.handle(request) as never);
      await this.supervisor.start();
    } catch (err) {
      this.log.error(`could not recover: ${(err as Error).message}`);
      void this.stop('recovery failed');
    }
  }

  /** Releases what this master owns, unless a successor owns it now. */
  async close(): Promise<void> {
    if (this.control) {
      // Let the reply to "baton stop" or "baton upgrade" reach its caller first.
      const control = this.control;
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, 1000);
        control.close(() => {
          clearTimeout(timeout);
          resolve();
        });
      });
    }
    this.health?.close();
    this.metricsServer?.close();
    if (this.handedOver) return;
    if (this.control) closeControl(this.control, this.options.control);
    closeListeners(this.listeners);
    if (this.options.pidFile) removePidFile(this.options.pidFile);
  }

  /** Opens the log file again at its path; throws if there is none or it cannot be opened. */
  private reopenLog(why: string): void {
    this.log.sink.reopen();
    this.log.info(`${why}: reopened the log file ${this.log.sink.file}`);
  }

  private logInfo(): { pid: number; file: string | null; format: string } {
    return { pid: process.pid, file: this.log.sink.file ?? null, format: this.log.sink.format };
  }

  private async handle(request: Request): Promise<unknown> {
    switch (request.cmd) {
      case 'logs':
        return this.logInfo();
      case 'reopen-logs':
        this.reopenLog('baton logs --reopen');
        return this.logInfo();
      case 'status': {
        const status = { ...this.supervisor.status(), lastUpgrade: this.lastUpgrade };
        return this.upgrading ? { ...status, operation: 'upgrade' } : status;
      }
      case 'reload': {
        const batch = request.args?.batch;
        if (batch !== undefined && typeof batch !== 'string') throw errors.badRequest('"batch" must be a string such as "1" or "25%"');
        return this.reload(batch);
      }
      case 'upgrade': {
        const node = request.args?.node;
        if (node !== undefined && typeof node !== 'string') throw errors.badRequest('"node" must be the path of a node binary');
        return this.upgrade(node);
      }
      case 'stop': {
        const grace = request.args?.lbGraceMs;
        if (grace !== undefined && (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0)) throw errors.badRequest('"lbGraceMs" must be a number of milliseconds');
        await this.stop('baton stop', grace);
        return { stopped: true, pid: process.pid };
      }
    }
  }

  private logSignalError(signal: string, err: unknown): void {
    // Reload and upgrade failures are logged where they happen; refusals and config errors are not.
    if (!isBatonError(err) || (err.code !== 'BATON_RELOAD_FAILED' && err.code !== 'BATON_UPGRADE_FAILED')) this.log.warn(`${signal}: ${(err as Error).message}`);
  }
}
