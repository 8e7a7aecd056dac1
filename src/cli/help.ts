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
  baton reload [<name>|all] [--batch N|N%]       roll every worker onto the code on disk
  baton upgrade [<name>|all] [--node <path>]     replace the master itself (and its workers)
  baton status [<name>|all] [--json]             show the master and its workers
  baton stop [<name>|all] [--force]              drain every worker, then stop
  baton logs [<name>|all] [-f] [-n N] [--reopen] show, follow or reopen the log file
  baton ls [--json]                              every app on this host
  baton startup systemd [--print] [--user]       a systemd unit per app, enabled at boot
  baton unstartup [--user]                       disable and remove those units

reload, upgrade, status, stop and logs act on the app of that name (baton ls lists
them), on every app with "all", or without a name on the master of --control <path>
(env BATON_CONTROL, default ./${DEFAULTS.control}).
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

/** How every command that acts on masters picks them, in its help. */
const TARGET = `The app: its name (as baton ls shows it), "all" for every app on this host (one
after another, each result printed, exit 1 if any failed), or none for the master on
--control.`;

/** The --control line of those commands. */
const CONTROL_LINE = `      --control <path>   control socket when no name is given (default ./${DEFAULTS.control},
                         env BATON_CONTROL)`;

/** baton reload --help. */
export const RELOAD_HELP = `Usage: baton reload [<name>|all] [--batch <n|n%>] [--wait-drained] [--control <path>]

Rolls every worker onto the code now on disk, a batch at a time, and returns when the
new workers serve and every old one has been told to drain (exit 0), or when the reload
failed (exit 1, with the reason). Old workers that still hold connections (WebSockets,
streams) finish draining in the background, until --drain-timeout. SIGHUP to the master
does the same. A reload requested while another runs is refused.

${TARGET}

Options:
      --batch <n|n%>     workers replaced at a time (default: the master's --batch)
      --wait-drained     return only once every old worker has gone
${CONTROL_LINE}
  -h, --help             show this help`;

/** baton upgrade --help. */
export const UPGRADE_HELP = `Usage: baton upgrade [<name>|all] [--node <path>] [--wait-drained] [--control <path>]

Replaces the master process itself with a new one running the baton code and app on
disk, optionally on another Node.js binary; its workers are replaced too. The listening
sockets never close. Returns when the new master serves and has taken over (exit 0,
new pid printed) or when the upgrade failed (exit 1; the old master keeps serving). The
old master's workers finish draining in the background, then it exits. SIGUSR2 to the
master does the same with the same Node.js.

${TARGET}

Options:
      --node <path>      the node binary for the new master and its workers
                         (default: the one the master runs on)
      --wait-drained     return only once the old master's workers have all gone
${CONTROL_LINE}
  -h, --help             show this help`;

/** baton status --help. */
export const STATUS_HELP = `Usage: baton status [<name>|all] [--json] [--control <path>]

${TARGET} "all --json" prints one array of {name, ok, status | error}.

Options:
      --json             machine-readable output (default: a table)
${CONTROL_LINE}
  -h, --help             show this help`;

/** baton stop --help. */
export const STOP_HELP = `Usage: baton stop [<name>|all] [--lb-grace <duration>] [--force [options]] [--control <path>]

Drains every worker (in-flight requests finish) and stops the master; returns when it
is gone. SIGTERM or SIGINT to the master does the same.

${TARGET}

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
                         does not answer (default: a named app's own, else
                         ./${DEFAULTS.daemonPidFile} if it exists)
${CONTROL_LINE}
  -h, --help             show this help`;

/** baton logs --help. */
export const LOGS_HELP = `Usage: baton logs [<name>|all] [-f] [-n <lines>] [--control <path>]
       baton logs [<name>|all] --reopen [--control <path>]

Shows the last lines of the master's log file (start's --log-file) and, with -f, follows
it: across logrotate (the file at the path replaced), and across master upgrades (the new
master appends to the same file). Fails if the master logs to the terminal.

${TARGET} With "all", each app's lines come under its name; -f prefixes every line
with [name].

Options:
  -f, --follow           keep printing lines as they are written, until Ctrl-C
  -n, --lines <n>        how many of the last lines to show (default ${DEFAULTS.logLines})
      --reopen           make the master reopen its log file at its path (after logrotate
                         moved it), as SIGUSR1 to the master does
${CONTROL_LINE}
  -h, --help             show this help`;

/** baton ls --help. */
export const LS_HELP = `Usage: baton ls [--json]

Lists every app on this host: each master registers itself (name, pid, control socket,
app, listeners) in the registry, $BATON_RUNTIME_DIR, else $XDG_RUNTIME_DIR/baton, else
/run/baton for root and /tmp/baton-<uid> for others (mode 0700). Each master is asked
for its status; an app whose master is gone (killed, or the host rebooted) is shown as
"gone" once and its entry removed; one that does not answer within 2s is shown as
"not answering".

Columns: name, master pid, status, workers ready/total, memory (master and workers),
CPU (workers, since the previous status request), uptime (of the master), worker
restarts, listeners.

Options:
      --json             one array of apps, for scripts
  -h, --help             show this help`;

/** baton startup --help. */
export const STARTUP_HELP = `Usage: baton startup systemd [--print] [--user] [--only <name>]

Writes a systemd unit for every app baton ls lists (or the one --only names), run
the way its master was started (the same node, baton, app, flags and directory), with
Type=notify so that it survives baton upgrade, and enables it: the apps start at boot.
Units go to /etc/systemd/system/baton-<name>.service (as root), or with --user to
~/.config/systemd/user/. A unit file baton did not write is never overwritten. If
systemctl is missing or fails, the units are written and baton says so (exit 1).

Options:
      --print            print the units instead; write and enable nothing
      --user             user units (systemctl --user), for an unprivileged user
      --only <name>      just this app
  -h, --help             show this help`;

/** baton unstartup --help. */
export const UNSTARTUP_HELP = `Usage: baton unstartup [--user] [--only <name>]

Disables and removes the units baton startup wrote (their first line says so); units
written by hand are left alone. Running apps are not stopped.

Options:
      --user             user units (~/.config/systemd/user/)
      --only <name>      just this app's unit
  -h, --help             show this help`;
