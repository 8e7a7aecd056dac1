// The master's resolved settings, with their defaults in one place.
import type { BatchSpec } from '../master/batch.js';
import type { ListenSpec } from './listen-spec.js';

export interface MasterOptions {
  /** Absolute path of the app's entry script. */
  app: string;
  appArgs: string[];
  workers: number;
  listen: ListenSpec[];
  batch: BatchSpec;
  readyTimeoutMs: number;
  drainTimeoutMs: number;
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
  /** On SIGTERM/SIGINT: how long /healthz says 503 before the drain starts (0 = none). */
  lbGraceMs: number;
  /** Development: reload when files under the app's directory change. */
  watch: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export const DEFAULTS = {
  workers: 2,
  listen: '3000',
  batch: '1',
  readyTimeout: '30s',
  drainTimeout: '30s',
  killTimeout: '5s',
  upgradeTimeout: '60s',
  control: '.baton.sock',
} as const;

/** Control socket path: --control, else BATON_CONTROL, else ./.baton.sock. */
export function controlPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.BATON_CONTROL ?? DEFAULTS.control;
}
