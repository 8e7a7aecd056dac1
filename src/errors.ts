// One catalog of baton's expected failures. Each carries a stable code, a message
// that says what is wrong and what to do, and the exit code the CLI uses for it.
// Anything thrown that is not a BatonError is a bug and is reported as one.

/** Exit codes: 1 = operation failed, 2 = bad usage or input. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An expected failure with a stable code, safe to show to users as is. */
export class BatonError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode = EXIT_FAILURE) {
    super(message);
    this.name = 'BatonError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** True for errors that carry a code and a user-facing message. */
export function isBatonError(err: unknown): err is BatonError {
  return err instanceof BatonError;
}

export const errors = {
  usage: (message: string) => new BatonError('BATON_USAGE', message, EXIT_USAGE),
  invalidOption: (name: string, value: unknown, allowed: string) =>
    new BatonError(
      'BATON_INVALID_OPTION',
      `invalid value ${JSON.stringify(value)} for ${name}: expected ${allowed}`,
      EXIT_USAGE,
    ),
  appNotFound: (path: string) =>
    new BatonError(
      'BATON_APP_NOT_FOUND',
      `app file not found: ${path}. Pass the path of the script that starts your server, e.g. "baton start server.js".`,
      EXIT_USAGE,
    ),
  listenFailed: (address: string, code: string, hint: string) =>
    new BatonError('BATON_LISTEN_FAILED', `cannot listen on ${address}: ${code}. ${hint}`),
  controlInUse: (path: string) =>
    new BatonError(
      'BATON_ALREADY_RUNNING',
      `a baton master is already running on control socket ${path}. Stop it first, or give this one another --control path.`,
    ),
  controlListenFailed: (path: string, code: string, hint: string) =>
    new BatonError('BATON_CONTROL_FAILED', `cannot create control socket ${path}: ${code}. ${hint}`),
  noMaster: (path: string, code: string) =>
    new BatonError(
      'BATON_NO_MASTER',
      `no baton master is running on control socket ${path} (${code}). Start one with "baton start", or point at it with --control or BATON_CONTROL.`,
    ),
  reloadInProgress: () =>
    new BatonError(
      'BATON_BUSY',
      'a reload, upgrade or stop is already running; this request was refused. Wait for it to finish (baton status shows it) and try again.',
    ),
  stopping: () => new BatonError('BATON_STOPPING', 'the cluster is stopping; no new operations are accepted.'),
  busyControl: (max: number) =>
    new BatonError('BATON_CONTROL_BUSY', `the control socket already serves ${max} clients, the most it takes at once; this connection is refused. Try again in a moment.`),
  takingOver: (from?: number) =>
    new BatonError(
      'BATON_TAKING_OVER',
      `this master is still taking over from the old master${from ? ` ${from}` : ''} and runs no reload or upgrade until it has; wait for the upgrade to finish (baton status shows it), then try again.`,
    ),
  handingOver: (to?: number) =>
    new BatonError(
      'BATON_HANDING_OVER',
      `this master is handing over to the new master${to ? ` ${to}` : ''} and runs no reload or upgrade any more; wait for the upgrade to finish, then send it to the new master.`,
    ),
  internal: (what: string, err: unknown) =>
    new BatonError(
      'BATON_INTERNAL',
      `internal error in ${what} (this is a bug, please report it): ${err instanceof Error ? err.message : String(err)}. The cluster keeps serving.`,
    ),
  reloadFailed: (message: string) => new BatonError('BATON_RELOAD_FAILED', message),
  upgradeFailed: (message: string) => new BatonError('BATON_UPGRADE_FAILED', message),
  startFailed: (message: string) => new BatonError('BATON_START_FAILED', message),
  badRequest: (message: string) => new BatonError('BATON_BAD_REQUEST', message, EXIT_USAGE),
  protocol: (message: string) => new BatonError('BATON_PROTOCOL', message),
  logFileFailed: (path: string, code: string) =>
    new BatonError('BATON_LOG_FILE', `cannot open log file ${path}: ${code}. Choose a path in a directory you can write to with --log-file.`),
  noLogFile: () =>
    new BatonError('BATON_NO_LOG_FILE', 'the master logs to the terminal, not to a file: there is no log file to show or reopen. Start it with --log-file <path> (or --daemon).'),
  daemonFailed: (message: string) => new BatonError('BATON_DAEMON_FAILED', message),
  noRegistry: () =>
    new BatonError(
      'BATON_NO_REGISTRY',
      'this build of baton has no registry of running masters: connect to a master by its control socket, connect({ control: "/path/.baton.sock" }).',
    ),
  notMaster: (pid: number, command: string) =>
    new BatonError('BATON_NOT_MASTER', `process ${pid} is not a baton master (${command || 'no command line'}); not killing it. Is the pid file stale?`),
};
