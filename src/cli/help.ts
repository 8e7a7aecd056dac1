// Help texts, one per command, with every flag and its default. Start's option list is
// written from the settings schema, so it names every flag and shows its real default.
import { DEFAULTS } from '../config/options.js';
import { FLAG_SETTINGS } from '../config/schema.js';
import type { FlagSetting } from '../config/schema.js';

/** Where an option's description starts in start's help. */
const COLUMN = 30;

/** Help's option list for these flags: "-w, --workers <n|max>", then the lines, defaults filled in. */
export function formatOptions(settings: readonly FlagSetting[]): string {
  return settings
    .map((s) => {
      const name = `  ${s.short ? `-${s.short}, ` : '    '}--${s.flag}${s.arg ? ` ${s.arg}` : ''}`;
      const lines = s.help.map((line) => line.replace('{default}', s.default ?? '').replace('{daemon}', s.daemonDefault ?? ''));
      // A name too long for its column gets the description on the next line.
      const head = name.length < COLUMN ? [name.padEnd(COLUMN) + lines[0]] : [name, ' '.repeat(COLUMN) + lines[0]];
      return [...head, ...lines.slice(1).map((line) => ' '.repeat(COLUMN) + line)].join('\n');
    })
    .join('\n');
}

/** baton --help. */
export const MAIN_HELP = `baton — run a Node.js server as a cluster and replace its workers with zero failed requests

Usage:
  baton start <app.js> [options] [-- app args]   run the master in the foreground
  baton start ecosystem.config.js [--env <p>]    start each app of a PM2 ecosystem file
  baton reload [--batch N|N%]                    roll every worker onto the code on disk
  baton upgrade [--node <path>]                  replace the master itself (and its workers)
  baton status [--json]                          show the master and its workers
  baton stop [--force]                           drain every worker, then stop
  baton logs [-f] [-n N] [--reopen]              show, follow or reopen the log file

Every command takes --control <path> (env BATON_CONTROL, default ./${DEFAULTS.control}).
Run "baton <command> --help" (or "baton help <command>") for a command's options.`;

/** baton start --help; the options come from the schema. */
export const START_HELP = `Usage: baton start [<app.js>] [options] [-- app args]
       baton start <ecosystem file> [--env <profile>] [--only <names>]

Runs the master in the foreground. The app is unmodified: it calls server.listen(port)
(or process.env.PORT) and baton maps that onto the sockets it owns.

Options:
${formatOptions(FLAG_SETTINGS)}

Durations: 500ms, 5s, 2m, or a number of milliseconds.

Given a PM2 ecosystem file (*.config.js, .cjs, .mjs, or .json) instead of an app, baton
starts each app of its "apps" as a daemon of its own, with its control socket, pid file
and log file in ./${DEFAULTS.ecosystemDir}/<name>.sock, .pid and .log unless the app names them, and
says once which of the file's settings it does not use. The file's settings are the
only ones:
  --env <profile>   merge each app's env_<profile> over its env (PM2's --env)
  --only <names>    start only these apps (comma or space separated)`;

/** baton reload --help. */
export const RELOAD_HELP = `Usage: baton reload [--batch <n|n%>] [--wait-drained] [--control <path>]

Rolls every worker onto the code now on disk, a batch at a time, and returns when the
new workers serve and every old one has been told to drain (exit 0), or when the reload
failed (exit 1, with the reason). Old workers that still hold connections (WebSockets,
streams) finish draining in the background, until --drain-timeout. SIGHUP to the master
does the same. A reload requested while another runs is refused.

Options:
      --batch <n|n%>     workers replaced at a time (default: the master's --batch)
      --wait-drained     return only once every old worker has gone
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

/** baton upgrade --help. */
export const UPGRADE_HELP = `Usage: baton upgrade [--node <path>] [--wait-drained] [--control <path>]

Replaces the master process itself with a new one running the baton code and app on
disk, optionally on another Node.js binary; its workers are replaced too. The listening
sockets never close. Returns when the new master serves and has taken over (exit 0,
new pid printed) or when the upgrade failed (exit 1; the old master keeps serving). The
old master's workers finish draining in the background, then it exits. SIGUSR2 to the
master does the same with the same Node.js.

Options:
      --node <path>      the node binary for the new master and its workers
                         (default: the one the master runs on)
      --wait-drained     return only once the old master's workers have all gone
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

/** baton status --help. */
export const STATUS_HELP = `Usage: baton status [--json] [--control <path>]

Options:
      --json             machine-readable output (default: a table)
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

/** baton stop --help. */
export const STOP_HELP = `Usage: baton stop [--lb-grace <duration>] [--force [options]] [--control <path>]

Drains every worker (in-flight requests finish) and stops the master; returns when it
is gone. SIGTERM or SIGINT to the master does the same.

With --force, a stop that does not finish within --timeout (or a master that does not
answer on its control socket) is escalated: SIGTERM, then SIGKILL after --kill-timeout,
to the master (by the pid it reports, or the pid file's once it is checked to be a baton
master), then the same to its workers.

Options:
      --lb-grace <dur>   first answer /healthz with 503 for this long, serving as usual,
                         so the load balancer takes the host out (default: start's --lb-grace)
      --force            escalate as above
      --timeout <dur>    with --force: how long the graceful stop may take (default ${DEFAULTS.forceTimeout})
      --kill-timeout <dur>
                         with --force: how long after SIGTERM before SIGKILL (default ${DEFAULTS.killTimeout})
      --pid-file <path>  with --force: the master's pid file, used when the control socket
                         does not answer (default ./${DEFAULTS.daemonPidFile} if it exists)
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

/** baton logs --help. */
export const LOGS_HELP = `Usage: baton logs [-f] [-n <lines>] [--control <path>]
       baton logs --reopen [--control <path>]

Shows the last lines of the master's log file (start's --log-file) and, with -f, follows
it: across logrotate (the file at the path replaced), and across master upgrades (the new
master appends to the same file). Fails if the master logs to the terminal.

Options:
  -f, --follow           keep printing lines as they are written, until Ctrl-C
  -n, --lines <n>        how many of the last lines to show (default ${DEFAULTS.logLines})
      --reopen           make the master reopen its log file at its path (after logrotate
                         moved it), as SIGUSR1 to the master does
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;
