// What a new worker is started with, read from the master's options at spawn time, so
// a reload's new settings (app, args, env, node args, cwd) reach the workers it starts.
import type { MasterOptions } from '../config/options.js';
import type { Listener } from './listeners.js';
import type { Logger } from './log.js';
import type { WorkerSpec } from './os.js';

/** The spawn spec of worker `id` of `generation` in `slot`. */
export function workerSpec(options: MasterOptions, listeners: readonly Listener[], log: Logger, id: number, generation: number, slot: number): WorkerSpec {
  return {
    id,
    generation,
    slot,
    app: options.app,
    appArgs: options.appArgs,
    nodePath: options.nodePath,
    nodeArgs: options.nodeArgs,
    cwd: options.cwd,
    env: options.env,
    listeners,
    waitReady: options.waitReady,
    balanceWorkers: options.workers,
    output: (line) => log.worker(line),
  };
}
