// baton stop: a graceful stop over the control socket; with --force, one that does not
// finish in time (or a master that does not answer) is escalated TERM → KILL.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { controlPath, DEFAULTS } from '../../config/options.js';
import { request } from '../../control/client.js';
import { errors } from '../../errors.js';
import { STOP_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton stop [--lb-grace <dur>] [--force [--timeout <dur>] [--kill-timeout <dur>] [--pid-file <path>]]. */
export async function stop(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('stop', argv, {
    ...CONTROL,
    'lb-grace': { type: 'string' },
    force: { type: 'boolean' },
    timeout: { type: 'string' },
    'kill-timeout': { type: 'string' },
    'pid-file': { type: 'string' },
  });
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
  } else {
    const pidFlag = values['pid-file'];
    const pidFile = pidFlag !== undefined ? resolve(pidFlag) : existsSync(DEFAULTS.daemonPidFile) ? resolve(DEFAULTS.daemonPidFile) : undefined;
    const { forceStop } = await import('../force-stop.js');
    const line = await forceStop({
      control: controlPath(values.control),
      pidFile,
      timeoutMs: parseDuration('--timeout', values.timeout ?? DEFAULTS.forceTimeout),
      killMs: parseDuration('--kill-timeout', values['kill-timeout'] ?? DEFAULTS.killTimeout),
      args,
    });
    out(line + '\n');
    return 0;
  }
  const result = await request(controlPath(values.control), 'stop', args);
  out(`stopped: master ${result.pid} drained its workers and is exiting\n`);
  return 0;
}
