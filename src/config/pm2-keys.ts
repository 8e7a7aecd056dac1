// PM2's app keys as its own schema (pm2/lib/API/schema.json, release 7) lists them, for
// the ecosystem translation: the aliases PM2 accepts for a key, and the keys baton has no
// use for, each with the reason the warning gives. A key in neither table and not
// translated by ecosystem.ts is not a PM2 setting at all.

/** Alias → the key PM2 reads it as (its schema's "alias" lists). */
export const PM2_ALIASES: Readonly<Record<string, string>> = {
  exec: 'script',
  exec_interpreter: 'interpreter',
  interpreter_args: 'node_args',
  interpreterArgs: 'node_args',
  out: 'out_file',
  output: 'out_file',
  out_log: 'out_file',
  error: 'error_file',
  err: 'error_file',
  err_file: 'error_file',
  err_log: 'error_file',
  log: 'log_file',
  combine_logs: 'merge_logs',
  user: 'uid',
  cron: 'cron_restart',
  pid: 'pid_file',
};

const NO_EQUIVALENT = 'no baton equivalent';
const BACKOFF = "baton restarts a crashed worker by itself, after a delay that doubles from 100 ms up to 30 s, and never gives up";
const WATCH = "baton's --watch takes no options: it watches the app's directory, skips node_modules and dot-files, and makes one reload of a burst of saves";
const APM = 'PM2 monitoring and Keymetrics: no baton equivalent (baton serves --metrics for Prometheus)';

/** PM2 keys that baton does not take, and why (what to do instead, where there is something). */
export const PM2_UNSUPPORTED: Readonly<Record<string, string>> = {
  restart_delay: BACKOFF,
  exp_backoff_restart_delay: `not needed: ${BACKOFF}`,
  max_restarts: BACKOFF,
  min_uptime: BACKOFF,
  autorestart: 'baton always restarts a crashed worker',
  stop_exit_codes: 'baton always restarts a worker that exits',
  cron_restart: 'no baton equivalent: run "baton reload" from cron or a systemd timer',
  watch_delay: WATCH,
  ignore_watch: WATCH,
  watch_options: WATCH,
  instance_var: 'baton always sets NODE_APP_INSTANCE (and BATON_SLOT)',
  increment_var: NO_EQUIVALENT,
  pid_file: "PM2's pid file names the app's process; baton's names the master and is its own (see --pid-file)",
  log_date_format: "baton's log lines have its own format: text, or json with an ISO 8601 time (logFormat)",
  time: "baton's log lines have its own format: text, or json with an ISO 8601 time (logFormat)",
  disable_logs: 'no baton equivalent: send the log to /dev/null with out_file',
  uid: 'run baton itself as that user (sudo -u, or User= in a systemd unit)',
  gid: 'run baton itself as that group (sudo -g, or Group= in a systemd unit)',
  username: NO_EQUIVALENT,
  namespace: NO_EQUIVALENT,
  name_prefix: NO_EQUIVALENT,
  append_env_to_name: NO_EQUIVALENT,
  filter_env: 'no baton equivalent: the app gets the environment of "baton start" plus env',
  shutdown_with_message: 'baton drains a worker itself; an app that must act first registers onDrain() from baton-supervisor/worker',
  kill_retry_time: NO_EQUIVALENT,
  treekill: NO_EQUIVALENT,
  force: NO_EQUIVALENT,
  execute_command: NO_EQUIVALENT,
  write: NO_EQUIVALENT,
  windowsHide: NO_EQUIVALENT,
  install_url: NO_EQUIVALENT,
  post_update: NO_EQUIVALENT,
  source_map_support: 'use node_args: ["--enable-source-maps"]',
  disable_source_map_support: 'baton adds no source map support (node_args: ["--enable-source-maps"] does)',
  vizion: APM,
  pmx: APM,
  automation: APM,
  trace: APM,
  disable_trace: APM,
  deep_monitoring: APM,
  v8: APM,
  event_loop_inspector: APM,
  io: APM,
};

/** Top-level keys of an ecosystem file besides apps. */
export const PM2_FILE_KEYS: Readonly<Record<string, string>> = {
  deploy: 'pm2 deploy has no baton equivalent: deploy with your own tooling, then "baton reload" or "baton upgrade"',
  static: 'pm2 serve has no baton equivalent',
};
