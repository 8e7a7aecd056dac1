// Entry points of a master process: a fresh start (binding its listeners) or a
// successor started by an upgrade (wrapping the fds the old master passed).
import { DEFAULTS } from '../config/options.js';
import type { MasterOptions } from '../config/options.js';
import { parseListenSpec } from '../config/listen-spec.js';
import { errors } from '../errors.js';
import { FIRST_HANDOVER_FD, HANDOVER_VERSION, readHandover } from '../protocol/handover.js';
import type { HandoverState, PredecessorMessage, SuccessorMessage } from '../protocol/handover.js';
import { adoptListeners, bindListeners, closeListeners } from './listeners.js';
import { Logger } from './log.js';
import { LogSink } from './log-sink.js';
import { Supervisor } from './supervisor.js';
import type { NativeHandle } from './supervisor.js';
import { Master } from './master.js';
import { notifySystemd, systemdListeners } from './systemd.js';

export type { UpgradeResult } from './master.js';

/** Runs a fresh master in this process until it stops or hands over; resolves with the exit code. */
export async function runMaster(options: MasterOptions, log = new Logger(new LogSink(options.logFormat, options.logFile))): Promise<number> {
  const activated = systemdListeners(process.env);
  delete options.env.LISTEN_FDS;
  delete options.env.LISTEN_PID;
  delete options.env.LISTEN_FDNAMES;
  const specs = options.listen.length === 0 && activated.length === 0 ? [parseListenSpec(DEFAULTS.listen, options.cwd)] : options.listen;
  const listeners = [...activated, ...(await bindListeners(specs))];
  if (activated.length > 0) log.info(`systemd socket activation: ${activated.map((l) => l.key).join(', ')}`);
  const supervisor = new Supervisor(options, listeners, log);
  const master = new Master(options, listeners, supervisor, log);
  try {
    await master.listen();
  } catch (err) {
    closeListeners(listeners);
    throw err;
  }
  master.installSignals();
  try {
    await master.serveHealth();
  } catch (err) {
    await master.close();
    throw errors.listenFailed(`the health endpoint ${JSON.stringify(options.health)}`, (err as NodeJS.ErrnoException).code ?? 'error', 'Choose another --health address.');
  }
  try {
    await master.serveMetrics();
  } catch (err) {
    await master.close();
    throw err;
  }
  log.info(`master ${process.pid} on node ${process.version}; listening on ${listeners.map((l) => l.key).join(', ')}; control socket ${options.control}`);
  try {
    await supervisor.start();
  } catch (err) {
    await master.close();
    throw err;
  }
  const notified = await notifySystemd('READY=1');
  if (notified) log.warn(notified);
  return master.serveUntilDone();
}

/**
 * Runs a successor master: wraps the inherited listeners, starts its own workers,
 * reports ready to the old master, then takes over the control socket when told (or
 * when the old master is gone).
 */
export async function runSuccessor(logger?: Logger): Promise<number> {
  const tell = (message: SuccessorMessage) => {
    if (process.connected) process.send?.(message);
  };
  let state: HandoverState;
  try {
    state = readHandover(process.env);
  } catch (err) {
    tell({ v: HANDOVER_VERSION, type: 'failed', reason: (err as Error).message });
    throw err;
  }
  delete process.env.BATON_HANDOVER;
  // The same log file as the old master, opened here: both append to it until it exits.
  let log: Logger;
  try {
    log = logger ?? new Logger(new LogSink(state.options.logFormat, state.options.logFile));
  } catch (err) {
    tell({ v: HANDOVER_VERSION, type: 'failed', reason: (err as Error).message });
    throw err;
  }
  const options: MasterOptions = { ...state.options, nodePath: state.options.nodePath };
  const listeners = adoptListeners(state.listeners);
  const supervisor = new Supervisor(options, listeners, log, state.counters);
  const master = new Master(options, listeners, supervisor, log);

  let tookOver: Promise<void> | undefined;
  const takeover = (why: string) => {
    tookOver ??= (async () => {
      log.info(`taking over the control socket (${why})`);
      await master.listen();
      tell({ v: HANDOVER_VERSION, type: 'took-over', pid: process.pid });
      const startedAt = Date.parse(state.startedAt);
      master.lastUpgrade = {
        kind: 'upgrade',
        generation: supervisor.counters().generation,
        ok: true,
        startedAt: state.startedAt,
        durationMs: Number.isNaN(startedAt) ? 0 : Date.now() - startedAt,
        fromPid: state.fromPid,
        toPid: process.pid,
      };
      master.metrics?.recordOperation('upgrade', 'ok', master.lastUpgrade.durationMs / 1000);
      await master.serveMetrics().catch((err: Error) => log.error(`metrics: ${err.message}`));
      process.disconnect?.();
    })();
    return tookOver;
  };
  process.on('message', (raw: unknown, handle?: NativeHandle) => {
    const message = raw as PredecessorMessage;
    if (message?.v !== HANDOVER_VERSION) return;
    if (message.type === 'adopt' && handle) supervisor.adopt(message.key, message.hops, handle);
    else if (message.type === 'takeover') void takeover('the old master has drained');
  });
  master.installSignals();
  log.info(`master ${process.pid} on node ${process.version} taking over from ${state.fromPid}; listeners ${listeners.map((l) => l.key).join(', ')}`);
  try {
    await supervisor.start();
  } catch (err) {
    tell({ v: HANDOVER_VERSION, type: 'failed', reason: (err as Error).message });
    throw err;
  }
  await master.serveHealth(state.health ? FIRST_HANDOVER_FD + listeners.length : undefined);
  // If the old master dies before it hands over, this one carries on alone.
  process.once('disconnect', () => void takeover('the old master is gone'));
  tell({ v: HANDOVER_VERSION, type: 'ready', pid: process.pid, node: process.version });
  return master.serveUntilDone();
}
