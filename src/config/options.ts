// The master's resolved settings (what schema.ts's settings resolve to), and the
// defaults code outside start's option handling shares.
import type { BatchSpec } from './batch.js';
import type { ListenSpec } from './listen-spec.js';
import type { LogFormat } from './log-format.js';
import { parseDuration } from './duration.js';
import { daemonDefaultOf, defaultOf } from './schema.js';

export interface MasterOptions {
  /** The app's name on this host (baton ls, baton startup); absent in handovers from older masters, whose successor takes the default. */
  name?: string;
  /** Absolute path of the app's entry script. */
  app: string;
  appArgs: string[];
  workers: number;
  listen: ListenSpec[];
  batch: BatchSpec;
  readyTimeoutMs: number;
  drainTimeoutMs: number;
  /**
   * A new worker's share of connections grows to a full one over this time, and a reload
   * drains the old worker of its slot only then (if that one has connections); 0: at
   * once. Absent from older handovers: the default.
   */
  warmUpMs?: number;
  /** A ready worker silent this long (no heartbeat from its event loop) is killed and replaced; 0: never. Absent from 0.1.0 handovers. */
  stallTimeoutMs?: number;
  /** How many workers may drain at once before a rollout waits; undefined: as many as --workers. */
  maxDraining?: number | undefined;
  killTimeoutMs: number;
  nodePath: string;
  nodeArgs: string[];
  waitReady: boolean;
  /** Absolute path of the control socket. */
  control: string;
  /** Absolute path of the pid file, which always names the live master. */
  pidFile: string | undefined;
  /** How long a successor master may take to be ready during an upgrade. */
  upgradeTimeoutMs: number;
  /** Where the health endpoint listens (TCP), or undefined for none. */
  health: { host: string; port: number } | undefined;
  /** On every stop (SIGTERM, SIGINT, baton stop): how long /healthz says 503 before the drain starts (0 = none). */
  lbGraceMs: number;
  /** Where the Prometheus metrics endpoint listens, or undefined for none. */
  metrics: { host: string; port: number } | undefined;
  /** A ready worker whose resident memory exceeds this many bytes is swapped out. */
  maxMemoryBytes: number | undefined;
  /** What these options were resolved from, to resolve them again (with the config file as it is then) at a reload or upgrade. */
  source?: { flags: Record<string, unknown>; positionals: string[]; appArgs: string[]; cwd: string; configFile: string | undefined };
  /** Development: reload when files under the app's directory change. */
  watch: boolean;
  /** Absolute path of the log file (append), or undefined for the terminal. Absent in handovers from older masters. */
  logFile?: string | undefined;
  /** Log line format; absent (text) in handovers from older masters. */
  logFormat?: LogFormat;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Defaults used outside start's own option handling: the start settings other code
 * needs (taken from the schema, which owns them), and those of the other commands.
 */
export const DEFAULTS = {
  listen: defaultOf('listen'),
  control: defaultOf('control'),
  killTimeout: defaultOf('kill-timeout'),
  /** For handovers from masters that had no --warm-up. */
  warmUpMs: parseDuration('--warm-up', defaultOf('warm-up')),
  /** With --daemon and no --log-file / --pid-file. */
  daemonLogFile: daemonDefaultOf('log-file'),
  daemonPidFile: daemonDefaultOf('pid-file'),
  /** baton start <ecosystem file>: each app's control socket, pid file and log file go in here, by its name. */
  ecosystemDir: '.baton',
  /** baton logs: lines shown. */
  logLines: 20,
  /** baton stop --force: how long the graceful stop may take before escalating. */
  forceTimeout: '30s',
} as const;

/** Control socket path: --control, else BATON_CONTROL, else ./.baton.sock. */
export function controlPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.BATON_CONTROL ?? DEFAULTS.control;
}
