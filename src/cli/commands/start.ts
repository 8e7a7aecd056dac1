// baton start: resolve the settings (flags over the config file), then run the master in
// the foreground, or with --daemon detached, returning once it is ready or has failed.
// Given a PM2 ecosystem file instead of an app, start each of its apps as a daemon.
import { resolve } from 'node:path';
import { DEFAULTS } from '../../config/options.js';
import type { MasterOptions } from '../../config/options.js';
import { resolveStart } from '../../config/resolve.js';
import { isEcosystemName } from '../../config/ecosystem.js';
import { START_OPTIONS } from '../../config/schema.js';
import { errors } from '../../errors.js';
import { releaseSignals } from '../../signals.js';
import { START_HELP } from '../help.js';
import { parse } from '../parse.js';
import type { Options, Out } from '../parse.js';

/** Flags of `baton start <ecosystem file>` only. */
const ECOSYSTEM_OPTIONS = { env: { type: 'string' }, only: { type: 'string' } } as const satisfies Options;

/** baton start [<app.js>] [options] [-- app args], or baton start <ecosystem file> [--env <profile>] [--only <names>]. */
export async function start(argv: readonly string[], out: Out): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const appArgs = split === -1 ? [] : argv.slice(split + 1);
  const flags: Options = { ...START_OPTIONS, ...ECOSYSTEM_OPTIONS };
  const { values, positionals } = parse('start', own, flags, true);
  if (values.help) {
    out(START_HELP + '\n');
    return 0;
  }
  const [first] = positionals;
  if (first !== undefined && isEcosystemName(first)) return ecosystem(first, values, positionals, appArgs, out);
  for (const flag of Object.keys(ECOSYSTEM_OPTIONS)) {
    if (values[flag] !== undefined) throw errors.usage(`--${flag} is for an ecosystem file (baton start ecosystem.config.js --${flag} ...); see "baton start --help"`);
  }
  const options = await resolveStart(values, positionals, appArgs);
  if (values.daemon) return daemon(own, appArgs, options, out);
  const { runMaster } = await import('../../master/main.js');
  return runMaster(options);
}

/** baton start <ecosystem file>: each app as a daemon; its settings come from the file alone. */
async function ecosystem(file: string, values: Record<string, unknown>, positionals: string[], appArgs: string[], out: Out): Promise<number> {
  // The entry point took this start for a master's and caught its signals: it is not one.
  releaseSignals();
  const others = Object.keys(values).filter((flag) => values[flag] !== undefined && !(flag in ECOSYSTEM_OPTIONS) && flag !== 'daemon');
  if (others.length > 0 || positionals.length > 1 || appArgs.length > 0) {
    const what = others.length > 0 ? others.map((f) => `--${f}`).join(', ') : 'other arguments';
    throw errors.usage(`with an ecosystem file, baton start takes only --env <profile> and --only <names>, not ${what}: put each app's settings in ${file} (baton's own keys, such as listen or drainTimeout, work there too)`);
  }
  const only = (values.only as string | undefined)?.split(/[\s,]+/).filter((n) => n !== '');
  const { startEcosystem } = await import('../ecosystem.js');
  return startEcosystem(file, { profile: values.env as string | undefined, only }, out);
}

/** start --daemon: the same start, detached, logging to --log-file (default ./baton.log). */
async function daemon(own: readonly string[], appArgs: readonly string[], options: MasterOptions, out: Out): Promise<number> {
  // In the directory baton start runs in (a config file's "cwd" is the app's, not ours).
  const logFile = options.logFile ?? resolve(DEFAULTS.daemonLogFile);
  const pidFile = options.pidFile ?? resolve(DEFAULTS.daemonPidFile);
  const { startDaemon } = await import('../../launch/daemon.js');
  const pid = await startDaemon({ args: own.filter((a) => a !== '--daemon'), appArgs, options, logFile, pidFile });
  out(`started: master ${pid} is ready; log file ${logFile}, pid file ${pidFile}\n`);
  return 0;
}
