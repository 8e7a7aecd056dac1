// What the benchmark needs from each process manager it compares: a port on 127.0.0.1
// that a 2-worker cluster of the same app serves, a rolling worker reload, a way to put
// a new master in place, and the pids to measure and to kill.
import { join } from 'node:path';
import { ROOT } from '../../test/support/cluster.js';

/** The app every system runs: the test app, bound to 127.0.0.1 (see the file). */
export const APP = join(ROOT, 'bench', 'apps', 'loopback.mjs');

export interface SystemOptions {
  workers: number;
  /** Where the system may keep files (PM2_HOME, control socket); removed by the caller. */
  dir: string;
}

export interface System {
  /** As the report names it: "baton", "node:cluster", "pm2", ... */
  readonly name: string;
  readonly port: number;
  /** What replaceMaster() does, in words, for the report. */
  readonly replaceMasterHow: string;
  /** The process that owns the listening socket now (baton master, node primary, PM2 daemon). */
  masterPid(): number;
  /** Worker pids as of the last refresh(). */
  workerPids(): number[];
  /** Re-reads master and worker pids (may run a CLI: not while measuring). */
  refresh(): Promise<void>;
  /** Rolling reload of every worker; resolves when the system says it is done, throws if it says it failed. */
  reload(): Promise<string>;
  /** Puts a new master process in place; resolves when the new one serves. */
  replaceMaster(): Promise<string>;
  /** Stops everything it started, escalating to SIGKILL. Idempotent. */
  destroy(): Promise<void>;
}
