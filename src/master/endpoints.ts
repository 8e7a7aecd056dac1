// The master's own servers: the control socket (the CLI), the health endpoint (a load
// balancer) and the metrics endpoint (Prometheus). None of them changes state: the
// control socket turns requests into loop items, health and metrics read snapshots.
// During an upgrade the old master closes health and metrics at the point of no return;
// the successor opens them as it takes over, its control socket replacing the old one's
// file in one rename, and the old master closes its own once the successor has it.
import { rmSync } from 'node:fs';
import type net from 'node:net';
import { closeControl, listenControl, ownsPath } from '../control/server.js';
import type { ControlSocket, Handler } from '../control/server.js';
import type { MasterOptions } from '../config/options.js';
import { formatListener } from '../config/listen-spec.js';
import { errors } from '../errors.js';
import { healthFd, serveHealth } from './health.js';
import type { HealthState } from './health.js';
import { serveMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';

/** What the master opens and closes; faked in unit tests. */
export interface Endpoints {
  /**
   * Listens on the control socket, unless this master's socket is still the one there. A
   * fresh master refuses if a live master answers there; with `replace` (a successor
   * taking over, a master taking the service back) the file is replaced without asking.
   */
  openControl(replace?: boolean): Promise<void>;
  /** Stops taking control connections and removes the socket file, unless a successor's has replaced it. */
  releaseControl(): void;
  /**
   * True when this master's control socket can keep answering while a successor's
   * replaces the file (it was bound under a temporary name and renamed): then it is
   * released only once the successor has taken over, and `baton status` always has a
   * master to answer it.
   */
  keepsControlThroughHandover(): boolean;
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
  private control: ControlSocket | undefined;
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

  async openControl(replace = false): Promise<void> {
    if (this.control?.server.listening && ownsPath(this.control)) return;
    // Replaced by a successor that has since died: this socket no longer has a name.
    this.releaseControl();
    this.control = await listenControl(this.options.control, this.handler, undefined, replace);
    this.onControl();
  }

  releaseControl(): void {
    if (this.control?.server.listening) closeControl(this.control);
  }

  keepsControlThroughHandover(): boolean {
    return this.control !== undefined && this.control.bound !== this.control.path;
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
    if (control?.server.listening) {
      // Let the reply to "baton stop" or "baton upgrade" reach its caller first.
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, 1000);
        control.server.close(() => {
          clearTimeout(timeout);
          resolve();
        });
      });
    }
    this.closeHealth();
    this.closeMetrics();
    // A successor's socket may have replaced the file: only this master's own is removed.
    if (control && !keepControlFile && ownsPath(control)) rmSync(control.path, { force: true });
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
