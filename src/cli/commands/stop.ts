// baton stop: a graceful stop over the control socket; with --force, one that does not
// finish in time (or a master that does not answer) is escalated TERM → KILL. A name
// (or "all") picks the app(s) from the registry, whose entry names the pid file.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { DEFAULTS } from '../../config/options.js';
import { request } from '../../control/client.js';
import { errors } from '../../errors.js';
import { targetOf } from '../apps.js';
import { runOnTarget } from '../each.js';
import { STOP_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton stop [<name>|all] [--lb-grace <dur>] [--force [--timeout <dur>] [--kill-timeout <dur>] [--pid-file <path>]]. */
export async function stop(argv: readonly string[], out: Out): Promise<number> {
  const { values, positionals } = parse('stop', argv, {
    ...CONTROL,
    'lb-grace': { type: 'string' },
    force: { type: 'boolean' },
    timeout: { type: 'string' },
    'kill-timeout': { type: 'string' },
    'pid-file': { type: 'string' },
  }, true);
  if (values.help) {
    out(STOP_HELP + '\n');
    return 0;
  }
  const grace = values['lb-grace'];
  const args = grace === undefined ? {} : { lbGraceMs: parseDuration('--lb-grace', grace) };
  if (!values.force) {
    for (const flag of ['timeout', 'kill-timeout', 'pid-file'] as const) {
      if (values[flag] !== undefined) throw errors.usage(`--${flag} only applies with --force (see "baton stop --help")`);
    }
  }
  const target = targetOf('stop', positionals, values.control);
  if (target.kind === 'all' && values['pid-file'] !== undefined) throw errors.usage('--pid-file names one master; with "all" each app\'s own pid file is used');
  return runOnTarget(target, out, async (control, entry) => {
    if (!values.force) {
      const result = await request(control, 'stop', args);
      return `stopped: master ${result.pid} drained its workers and is exiting\n`;
    }
    // The pid file: --pid-file, else the registered app's, else ./baton.pid if it exists.
    const pidFlag = values['pid-file'];
    const pidFile = pidFlag !== undefined ? resolve(pidFlag) : entry ? (entry.pidFile ?? undefined) : existsSync(DEFAULTS.daemonPidFile) ? resolve(DEFAULTS.daemonPidFile) : undefined;
    const { forceStop } = await import('../force-stop.js');
    const line = await forceStop({
      control,
      pidFile,
      timeoutMs: parseDuration('--timeout', values.timeout ?? DEFAULTS.forceTimeout),
      killMs: parseDuration('--kill-timeout', values['kill-timeout'] ?? DEFAULTS.killTimeout),
      args,
    });
    return line + '\n';
  });
}
