// Entry points of a master process: a fresh start (binding its listeners) or a
// successor started by an upgrade (wrapping the fds the old master passed). Both build
// the same Master, wire its signals and endpoints, and serve until it is done.
import { DEFAULTS } from '../config/options.js';
import type { MasterOptions } from '../config/options.js';
import { parseListenSpec } from '../config/listen-spec.js';
import { resolveStart } from '../config/resolve.js';
import { BatonError, errors } from '../errors.js';
import type { Command, Request, Results } from '../protocol/control.js';
import { FIRST_HANDOVER_FD } from '../protocol/handover.js';
import type { StartSource } from '../protocol/handover.js';
import { Registration } from '../registry/registration.js';
import { deliverSignals } from '../signals.js';
import type { CaughtSignal } from '../signals.js';
import { endpointAddress, Servers } from './endpoints.js';
import { keepTerminal, keeperHost, keepsTerminal } from './keeper.js';
import { receiveHandover } from './handover-in.js';
import { adoptListeners, bindListeners, closeListeners } from './listeners.js';
import type { Listener } from './listeners.js';
import { Logger } from './log.js';
import { LogSink } from './log-sink.js';
import { Master } from './master.js';
import type { MasterRequest } from './master.js';
import { Metrics } from './metrics.js';
import { realOs } from './os.js';
import { PredecessorLink } from './successor.js';
import type { Channel } from './successor.js';
import { systemdListeners } from './systemd.js';
import { withoutStderr } from './worker-events.js';
import { dirname } from 'node:path';
import { isatty } from 'node:tty';

/** Resolves the options again from how the master was started (the config file as it is now). */
export type ResolveStart = (source: StartSource) => Promise<MasterOptions>;

const resolveFromSource: ResolveStart = (source) => resolveStart(source.flags, source.positionals, source.appArgs, source.cwd);

/** Runs a fresh master in this process until it stops or hands over; resolves with the exit code. */
export async function runMaster(options: MasterOptions, log = new Logger(new LogSink(options.logFormat, options.logFile)), resolve: ResolveStart = resolveFromSource): Promise<number> {
  const activated = systemdListeners(process.env);
  delete options.env.LISTEN_FDS;
  delete options.env.LISTEN_PID;
  delete options.env.LISTEN_FDNAMES;
  const specs = options.listen.length === 0 && activated.length === 0 ? [parseListenSpec(DEFAULTS.listen, options.cwd)] : options.listen;
  const listeners = [...activated, ...(await bindListeners(specs))];
  if (activated.length > 0) log.info(`systemd socket activation: ${activated.map((l) => l.key).join(', ')}`);
  // Taking the control socket registers the app's name; a name a live master holds refuses the start.
  const registration = new Registration(options, listeners.map((l) => l.key), log, { refuseTaken: true });
  const { master, servers } = build(options, listeners, log, resolve, registration);
  try {
    // The control socket first: a second master on it refuses to start.
    await servers.openControl();
  } catch (err) {
    await servers.close(false);
    closeListeners(listeners);
    throw err;
  }
  if (options.pidFile) realOs().writePidFile(options.pidFile);
  wireSignals(master);
  try {
    await servers.openHealth();
    await servers.openMetrics();
  } catch (err) {
    await servers.close(false);
    closeListeners(listeners);
    if (options.pidFile) realOs().removePidFile(options.pidFile);
    registration.release();
    throw err;
  }
  log.info(`master ${process.pid} on node ${process.version}; listening on ${listeners.map((l) => l.key).join(', ')}; control socket ${options.control}${endpointsServed(options)}`);
  master.start(servers);
  return serve(master, servers, registration, keepsTerminal(isatty, process.env));
}

/**
 * Runs a successor master: reads the handover (version 1 from release 0.1.0, version 2
 * from this one), resolves its settings and checks them before anything starts, wraps
 * the inherited listeners, starts its own workers, and takes over when told.
 */
export async function runSuccessor(logger?: Logger, resolve: ResolveStart = resolveFromSource): Promise<number> {
  // The channel is watched from the first instant: the old master may die at any moment.
  const link = new PredecessorLink(process as unknown as Channel);
  const handed = await receiveHandover(link, process.env, resolve);
  const options = handed.options;
  const log = logger ?? new Logger(new LogSink(options.logFormat, options.logFile));
  if (JSON.stringify(options.listen) !== JSON.stringify(handed.listeners.map((l) => l.spec)) && options.listen.length > 0) {
    log.warn('upgrade: the listeners in the config changed; an upgrade keeps the sockets it has (restart baton to change them)');
  }
  let listeners: Listener[];
  try {
    listeners = adoptListeners(handed.listeners);
  } catch (err) {
    link.tell({ type: 'failed', reason: (err as Error).message });
    throw err;
  }
  link.configure(handed.fromPid, handed.version, handed.startedAt, handed.health ? FIRST_HANDOVER_FD + listeners.length : undefined);
  // Registered when it takes the control socket, replacing the old master's entry.
  const registration = new Registration(options, listeners.map((l) => l.key), log, { refuseTaken: false, predecessor: handed.fromPid });
  const { master, servers } = build(options, listeners, log, resolve, registration, link, handed.counters);
  master.lastReload = handed.lastReload;
  wireSignals(master);
  log.info(`master ${process.pid} on node ${process.version} taking over from ${handed.fromPid}; listeners ${listeners.map((l) => l.key).join(', ')}${endpointsServed(options, true)}`);
  master.start(servers);
  return serve(master, servers, registration);
}

/** Where --health and --metrics serve, for the master's first line ("" without them); a successor takes them over. */
function endpointsServed(options: MasterOptions, successor = false): string {
  const parts = [
    ...(options.health ? [`health checks on http://${endpointAddress(options.health)}/healthz and /readyz`] : []),
    ...(options.metrics ? [`metrics on http://${endpointAddress(options.metrics)}/metrics`] : []),
  ];
  return parts.length === 0 ? '' : `; ${successor ? 'takes over ' : ''}${parts.join(', ')}`;
}

function build(options: MasterOptions, listeners: Listener[], log: Logger, resolveStart: ResolveStart, registration: Registration, predecessor?: PredecessorLink, resume?: MasterDepsResume) {
  let master!: Master;
  const metrics = options.metrics ? new Metrics({ status: () => metricsSnapshot(master) }) : undefined;
  master = new Master({
    options,
    listeners,
    log,
    os: realOs(),
    metrics,
    resolveOptions: () => (options.source?.configFile ? resolveStart(options.source) : Promise.resolve(options)),
    ...(resume ? { resume } : {}),
    ...(predecessor ? { predecessor } : {}),
  });
  const health = {
    serving: () => master.servedOnce,
    leaving: () => master.state.kind === 'stopping' && master.state.stop.leaving,
    ready: () => master.state.kind !== 'stopping' && master.state.kind !== 'stopped' && master.cluster.allReady(),
  };
  const servers = new Servers(options, controlHandler(master), health, metrics, () => registration.claim());
  return { master, servers };
}

type MasterDepsResume = NonNullable<ConstructorParameters<typeof Master>[0]['resume']>;

/**
 * The last line of defence: an exception that escapes every handler (a bug) is logged
 * with its stack and the master serves on. Dying here would take every worker with it.
 */
function survive(log: Logger): void {
  const report = (what: string) => (err: unknown) => log.error(`internal error (a bug, please report it), ${what}; the master keeps serving: ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', report('uncaught exception'));
  process.on('unhandledRejection', report('unhandled rejection'));
}

/**
 * Serves until the master is done, then lets go of what is still its own. A master the
 * shell started in the foreground (`keeper`) that has handed over stays on as the
 * keeper of the terminal (keeper.ts) until the live master is gone.
 */
async function serve(master: Master, servers: Servers, registration: Registration, keeper = false): Promise<number> {
  survive(master.log);
  const options = master.options;
  const unwatch = options.watch ? await watch(master) : undefined;
  const exit = await master.finished();
  unwatch?.();
  const state = master.state;
  const handedOver = state.kind === 'handed-over';
  await servers.close(handedOver);
  if (!handedOver) {
    closeListeners(master.listeners);
    if (options.pidFile) realOs().removePidFile(options.pidFile);
  } else if (keeper && !exit.error) {
    // The successor holds its own copies of the sockets: ours can go (their files stay).
    closeListeners(master.listeners, false);
    master.log.info(`master ${process.pid} handed over to ${state.to} and stays in the foreground to keep this terminal: Ctrl-C stops the live master`);
    const log = (message: string) => master.log.info(message);
    return keepTerminal(keeperHost(options.control, log, deliverSignals), state.to);
  }
  // Only if the entry still names this process: after a handover it is the successor's.
  registration.release();
  master.log.info('master exiting');
  if (exit.error) {
    // Logging to the terminal, the worker's stderr is on it already, and then the
    // master's own line: the CLI's last word need not print that stack a third time.
    if (options.logFile === undefined) throw new BatonError(exit.error.code, withoutStderr(exit.error.message), exit.error.exitCode);
    throw exit.error;
  }
  return exit.code;
}

/**
 * Development watch mode: reloads when files under the app's directory change. Loaded
 * only for --watch, so a master without it never needs chokidar: a release deployed in
 * place over 0.1.0 (which had no such dependency) still starts as a successor.
 */
async function watch(master: Master): Promise<() => void> {
  const { watchForReload } = await import('./watch.js');
  const { app, logFile, pidFile, control } = master.options;
  const dir = dirname(app);
  return watchForReload({
    dir,
    // A log file in the app's directory must not reload the app at every line.
    skip: [logFile, pidFile, control].filter((p): p is string => p !== undefined),
    reload: () => master.request({ cmd: 'reload', from: 'watch' }),
    log: (m) => master.log.info(m),
    ready: (entries) => master.log.info(`watch: reloading on changes under ${dir} (${entries} files and directories watched)`),
  });
}

const SIGNAL_REQUESTS: Record<CaughtSignal, MasterRequest['cmd']> = {
  SIGHUP: 'reload',
  SIGUSR2: 'upgrade',
  // logrotate moved the file: write on at its path. (Catching SIGUSR1 also keeps Node's
  // default, starting the inspector, from running.)
  SIGUSR1: 'reopen-logs',
  SIGTERM: 'stop',
  SIGINT: 'stop',
};

/** Every signal, including those caught before the master existed, becomes a request. */
function wireSignals(master: Master): void {
  deliverSignals((signal) => {
    master.request({ cmd: SIGNAL_REQUESTS[signal], from: signal }).catch((err: Error & { code?: string }) => {
      // Reload and upgrade failures are logged where they happen; refusals are not.
      if (err.code !== 'BATON_RELOAD_FAILED' && err.code !== 'BATON_UPGRADE_FAILED') master.log.warn(`${signal}: ${err.message}`);
    });
  });
}

/** Control requests: arguments checked here, then posted to the master's loop. */
function controlHandler(master: Master): (request: Request) => Promise<Results[Command]> {
  return async (request) => {
    const args = request.args ?? {};
    const from = request.cmd === 'reopen-logs' ? 'baton logs --reopen' : `baton ${request.cmd}`;
    switch (request.cmd) {
      case 'reload':
        if (args.batch !== undefined && typeof args.batch !== 'string') throw errors.badRequest('"batch" must be a string such as "1" or "25%"');
        if (args.waitDrained !== undefined && typeof args.waitDrained !== 'boolean') throw errors.badRequest('"waitDrained" must be true or false');
        return (await master.request({ cmd: 'reload', from, args: { ...(args.batch === undefined ? {} : { batch: args.batch }), waitDrained: args.waitDrained === true } })) as Results['reload'];
      case 'upgrade':
        if (args.node !== undefined && typeof args.node !== 'string') throw errors.badRequest('"node" must be the path of a node binary');
        if (args.waitDrained !== undefined && typeof args.waitDrained !== 'boolean') throw errors.badRequest('"waitDrained" must be true or false');
        return (await master.request({ cmd: 'upgrade', from, args: { ...(args.node === undefined ? {} : { node: args.node }), waitDrained: args.waitDrained === true } })) as Results['upgrade'];
      case 'stop': {
        const grace = args.lbGraceMs;
        if (grace !== undefined && (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0)) throw errors.badRequest('"lbGraceMs" must be a number of milliseconds');
        return (await master.request({ cmd: 'stop', from, args: { ...(grace === undefined ? {} : { lbGraceMs: grace }) } })) as Results['stop'];
      }
      default:
        return (await master.request({ cmd: request.cmd, from })) as Results[Command];
    }
  };
}

function metricsSnapshot(master: Master) {
  const status = master.snapshot();
  return {
    workers: status.workers.map((w) => ({
      state: w.state,
      generation: w.generation,
      pid: w.pid,
      rssBytes: w.rssBytes,
      connections: w.connections,
      requests: w.requests,
      eventLoopDelayMs: w.eventLoopDelayMs,
    })),
    masterRssBytes: status.rssBytes,
    restartsTotal: master.cluster.slots.reduce((sum, s) => sum + s.restarts, 0),
    logLinesDropped: status.logLinesDropped,
  };
}
