// The master's own servers: the control socket (the CLI), the health endpoint (a load
// balancer) and the metrics endpoint (Prometheus). None of them changes state: the
// control socket turns requests into loop items, health and metrics read snapshots.
// During an upgrade the old master closes health and metrics at the point of no return
// and releases the control socket last; the successor opens them as it takes over.
import type net from 'node:net';
import { closeControl, listenControl } from '../control/server.js';
import type { Handler } from '../control/server.js';
import type { MasterOptions } from '../config/options.js';
import { formatListener } from '../config/listen-spec.js';
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
      throw endpointFailed('the health endpoint', this.options.health, err, '--health');
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
      throw endpointFailed('the metrics endpoint', this.options.metrics, err, '--metrics');
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

/** Where an endpoint serves, as a user writes it: 127.0.0.1:9000, [::1]:9000. */
export function endpointAddress(where: { host: string; port: number }): string {
  return formatListener({ kind: 'tcp', host: where.host, port: where.port });
}

/** An endpoint that cannot listen: its address, why, and what to do. */
function endpointFailed(what: string, where: { host: string; port: number }, err: unknown, flag: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  const hints: Record<string, string> = {
    EADDRINUSE: `Another process is listening there: stop it, or choose another ${flag} address.`,
    EACCES: `Permission denied: ports below 1024 need privileges (or CAP_NET_BIND_SERVICE); choose another ${flag} address.`,
    EADDRNOTAVAIL: `That address does not belong to this machine: use one of its addresses, or 0.0.0.0 / [::] for all; set with ${flag}.`,
  };
  return errors.listenFailed(`${what} ${endpointAddress(where)}`, code, hints[code] ?? `Choose another ${flag} address.`);
}
