// baton start: resolve the settings (flags over the config file), then run the master in
// the foreground, or with --daemon detached, returning once it is ready or has failed.
import { resolve } from 'node:path';
import { DEFAULTS } from '../../config/options.js';
import type { MasterOptions } from '../../config/options.js';
import { resolveStart } from '../../config/resolve.js';
import { START_OPTIONS } from '../../config/schema.js';
import { START_HELP } from '../help.js';
import { parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton start [<app.js>] [options] [-- app args]. */
export async function start(argv: readonly string[], out: Out): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const appArgs = split === -1 ? [] : argv.slice(split + 1);
  const { values, positionals } = parse('start', own, START_OPTIONS, true);
  if (values.help) {
    out(START_HELP + '\n');
    return 0;
  }
  const options = await resolveStart(values, positionals, appArgs);
  if (values.daemon) return daemon(own, appArgs, options, out);
  const { runMaster } = await import('../../master/main.js');
  return runMaster(options);
}

/** start --daemon: the same start, detached, logging to --log-file (default ./baton.log). */
async function daemon(own: readonly string[], appArgs: readonly string[], options: MasterOptions, out: Out): Promise<number> {
  // In the directory baton start runs in (a config file's "cwd" is the app's, not ours).
  const logFile = options.logFile ?? resolve(DEFAULTS.daemonLogFile);
  const pidFile = options.pidFile ?? resolve(DEFAULTS.daemonPidFile);
  const { startDaemon } = await import('../daemon.js');
  const pid = await startDaemon({ args: own.filter((a) => a !== '--daemon'), appArgs, options, logFile, pidFile });
  out(`started: master ${pid} is ready; log file ${logFile}, pid file ${pidFile}\n`);
  return 0;
}
