// Help texts, one per command, with every flag and its default.
import { DEFAULTS } from '../config/options.js';

export const MAIN_HELP = `baton — run a Node.js server as a cluster and replace its workers with zero failed requests

Usage:
  baton start <app.js> [options] [-- app args]   run the master in the foreground
  baton reload [--batch N|N%]                    roll every worker onto the code on disk
  baton upgrade [--node <path>]                  replace the master itself (and its workers)
  baton status [--json]                          show the master and its workers
  baton stop [--force]                           drain every worker, then stop
  baton logs [-f] [-n N] [--reopen]              show, follow or reopen the log file

Every command takes --control <path> (env BATON_CONTROL, default ./${DEFAULTS.control}).
Run "baton <command> --help" for a command's options.`;

export const START_HELP = `Usage: baton start [<app.js>] [options] [-- app args]

Runs the master in the foreground. The app is unmodified: it calls server.listen(port)
(or process.env.PORT) and baton maps that onto the sockets it owns.

Options:
  -w, --workers <n|max>       worker processes (default ${DEFAULTS.workers}; max = one per CPU)
  -l, --listen <address>      port, host:port, [ipv6]:port or unix socket path; repeat for
                              several (default ${DEFAULTS.listen}, all interfaces)
      --batch <n|n%>          workers replaced at a time by a reload (default ${DEFAULTS.batch})
      --ready-timeout <dur>   how long a new worker may take to be ready (default ${DEFAULTS.readyTimeout})
      --drain-timeout <dur>   how long a draining worker may take before SIGTERM (default ${DEFAULTS.drainTimeout})
      --kill-timeout <dur>    how long after SIGTERM before SIGKILL (default ${DEFAULTS.killTimeout})
      --wait-ready            a worker is ready only once the app calls ready() from baton/worker
      --watch                 development: reload when files under the app's directory change
                              (not node_modules or dot-directories)
      --node-arg <flag>       a Node.js flag for the workers; repeat for several, and write
                              flags that start with a dash as --node-arg=--import=tsx
      --pid-file <path>       keep the live master's pid in this file (follows upgrades;
                              default none, ./${DEFAULTS.daemonPidFile} with --daemon)
      --log-file <path>       write the master's and the workers' lines to this file (append)
                              instead of the terminal (default none, ./${DEFAULTS.daemonLogFile}
                              with --daemon); SIGUSR1 or baton logs --reopen reopens it
      --log-format <fmt>      text or json, one JSON object per line (default ${DEFAULTS.logFormat})
      --daemon                run in the background: return once the cluster is ready (exit 0,
                              master pid printed) or failed (exit 1, reason from the log)
      --health <host:port>    serve GET /healthz and /readyz for a load balancer (default off)
      --metrics <host:port>   serve Prometheus metrics on GET /metrics (default off)
      --max-memory <size>     replace a worker whose memory (RSS) exceeds this, without a gap
                              (e.g. 512MB; default off)
      --lb-grace <dur>        on SIGTERM/SIGINT, answer /healthz 503 this long before
                              draining, so the load balancer takes the host out (default 0)
      --upgrade-timeout <dur> how long a new master may take to be ready (default ${DEFAULTS.upgradeTimeout})
      --config <path>         config file (default: baton.config.json, .mjs or .js next to
                              the app, or in the current directory when no app is given)
      --control <path>        control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help                  show this help

Durations: 500ms, 5s, 2m, or a number of milliseconds.`;

export const RELOAD_HELP = `Usage: baton reload [--batch <n|n%>] [--control <path>]

Rolls every worker onto the code now on disk, a batch at a time, and returns when the
reload has finished (exit 0) or failed (exit 1, with the reason). SIGHUP to the master
does the same. A reload requested while another runs is refused.

Options:
      --batch <n|n%>     workers replaced at a time (default: the master's --batch)
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

export const UPGRADE_HELP = `Usage: baton upgrade [--node <path>] [--control <path>]

Replaces the master process itself with a new one running the baton code and app on
disk, optionally on another Node.js binary; its workers are replaced too. The listening
sockets never close. Returns when the new master serves and the old one is gone (exit
0, new pid printed) or when the upgrade failed (exit 1; the old master keeps serving).
SIGUSR2 to the master does the same with the same Node.js.

Options:
      --node <path>      the node binary for the new master and its workers
                         (default: the one the master runs on)
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

export const STATUS_HELP = `Usage: baton status [--json] [--control <path>]

Options:
      --json             machine-readable output (default: a table)
      --control <path>   control socket (default ./${DEFAULTS.control}, env BATON_CONTROL)
  -h, --help             show this help`;

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
