// start(options): a master started in the background, as `baton start --daemon` starts
// one, from the settings a config file takes; it resolves once the cluster is ready (or
// rejects with the reason, from the master's log), with a client connected to it.
import { resolve } from 'node:path';
import type { BatonConfig } from '../config/schema.js';
import { launch, prepareLaunch } from '../launch/launch.js';
import { connect } from './client.js';
import type { MasterClient } from './client.js';

/**
 * The settings of a config file (script, args, env, cwd, workers, listen, control, ...;
 * relative paths against the current directory), plus how this start runs.
 */
export interface StartOptions extends BatonConfig {
  /** The app's name, for the registry (once this build has one). */
  name?: string;
  /** The node binary the master and its workers run on; this process's by default. */
  node?: string;
}

/** A master start() started, and a client connected to it. */
export interface StartedMaster extends MasterClient {
  pid: number;
  control: string;
  logFile: string;
  pidFile: string;
}

/**
 * Starts a master in the background and resolves once its cluster is ready. Without
 * control, pidFile and logFile it uses the daemon's defaults in the current directory
 * (./.baton.sock, ./baton.pid, ./baton.log). The app's env is added to the master's
 * environment, which its workers inherit.
 */
export async function start(options: StartOptions): Promise<StartedMaster> {
  const { name, node, ...config } = options;
  const prepared = await prepareLaunch({
    config,
    where: (key) => `"${key}" in start() options`,
    source: 'start() options',
    base: process.cwd(),
    name,
    node: node === undefined ? undefined : resolve(node),
  });
  const pid = await launch(prepared);
  const control = prepared.options.control;
  return { ...connect({ control }), pid, control, logFile: prepared.logFile, pidFile: prepared.pidFile };
}
