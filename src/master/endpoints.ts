// The master's own servers: the control socket (the CLI), the health endpoint (a load
// balancer) and the metrics endpoint (Prometheus). None of them changes state: the
// control socket turns requests into loop items, health and metrics read snapshots.
// During an upgrade the old master closes health and metrics at the point of no return
// and releases the control socket last; the successor opens them as it takes over.
import type net from 'node:net';
import { closeControl, listenControl } from '../control/server.js';
import type { Handler } from '../control/server.js';
import type { MasterOptions } from '../config/options.js';
import { errors } from '../errors.js';
import { healthFd, serveHealth } from './health.js';
import type { HealthState } from './health.js';
import { serveMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';

/** What the master opens and closes; faked in unit tests. */
export interface Endpoints {
  /** Listens on the control socket; refuses if a live master answers there (or, for a fresh master, holds its name). */
  openControl(): Promise<void>;
  /** Stops taking control connections and removes the socket file, for a successor to bind. */
  releaseControl(): void;
  /** Serves the health endpoint on an inherited fd, or binds it; no-op without --health. */
  openHealth(inheritedFd?: number): Promise<void>;
  closeHealth(): void;
  /** The health socket's fd while it serves, to hand to a successor. */
  healthFd(): number | undefined;
  /** Binds the metrics endpoint; no-op without --metrics. */
  openMetrics(): Promise<void>;
  closeMetrics(): void;
  /** Closes everything once the last replies are out (at most 1 s); `keepControlFile` after a handover. */
  close(keepControlFile: boolean): Promise<void>;
}

/** The real endpoints of a master with these options. */
export class Servers implements Endpoints {
  private control: net.Server | undefined;
  private health: net.Server | undefined;
  private metricsServer: net.Server | undefined;

  constructor(
    private readonly options: Pick<MasterOptions, 'control' | 'health' | 'metrics'>,
    private readonly handler: Handler,
    private readonly healthState: HealthState,
    private readonly metrics: Metrics | undefined,
    /** Called each time this master has taken the control socket: it registers the app's name (src/registry/registration.ts). */
    private readonly onControl: () => void = () => {},
  ) {}

  async openControl(): Promise<void> {
    if (this.control?.listening) return;
    this.control = await listenControl(this.options.control, this.handler);
    this.onControl();
  }

  releaseControl(): void {
    if (this.control) closeControl(this.control, this.options.control);
  }

  async openHealth(inheritedFd?: number): Promise<void> {
    if (!this.options.health || this.health?.listening) return;
    try {
      this.health = await serveHealth(this.healthState, inheritedFd === undefined ? this.options.health : { fd: inheritedFd });
    } catch (err) {
      throw errors.listenFailed(`the health endpoint ${JSON.stringify(this.options.health)}`, (err as NodeJS.ErrnoException).code ?? 'error', 'Choose another --health address.');
    }
  }

  closeHealth(): void {
    this.health?.close();
  }

  healthFd(): number | undefined {
    return this.health?.listening ? healthFd(this.health) : undefined;
  }

  async openMetrics(): Promise<void> {
    if (!this.metrics || !this.options.metrics || this.metricsServer?.listening) return;
    try {
      this.metricsServer = await serveMetrics(this.metrics, this.options.metrics);
    } catch (err) {
      const where = `${this.options.metrics.host}:${this.options.metrics.port}`;
      throw errors.listenFailed(`the metrics endpoint ${where}`, (err as NodeJS.ErrnoException).code ?? 'error', 'Choose another --metrics address.');
    }
  }

  closeMetrics(): void {
    this.metricsServer?.close();
  }

  async close(keepControlFile: boolean): Promise<void> {
    const control = this.control;
    if (control?.listening) {
      // Let the reply to "baton stop" or "baton upgrade" reach its caller first.
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, 1000);
        control.close(() => {
          clearTimeout(timeout);
          resolve();
        });
      });
    }
    this.closeHealth();
    this.closeMetrics();
    if (control && !keepControlFile) closeControl(control, this.options.control);
  }
}
