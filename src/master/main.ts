// The master process: binds the listeners, starts the supervisor, serves the control
// socket and turns signals into supervisor calls (HUP reload, TERM/INT stop).
import { closeControl, listenControl } from '../control/server.js';
import type { Request } from '../control/protocol.js';
import type { MasterOptions } from '../config/options.js';
import { errors, isBatonError } from '../errors.js';
import { parseBatchSpec } from './batch.js';
import { bindListeners, closeListeners } from './listeners.js';
import { Logger } from './log.js';
import { Supervisor } from './supervisor.js';

/** Runs a master in this process until it is stopped; resolves with the exit code. */
export async function runMaster(options: MasterOptions, log = new Logger()): Promise<number> {
  const listeners = await bindListeners(options.listen);
  const supervisor = new Supervisor(options, listeners, log);

  const handle = async (request: Request): Promise<unknown> => {
    switch (request.cmd) {
      case 'status':
        return supervisor.status();
      case 'reload': {
        const batch = request.args?.batch;
        if (batch !== undefined && typeof batch !== 'string') throw errors.badRequest('"batch" must be a string such as "1" or "25%"');
        return supervisor.reload(batch === undefined ? undefined : parseBatchSpec(batch));
      }
      case 'stop':
        await stop('baton stop');
        return { stopped: true, pid: process.pid };
    }
  };

  let control;
  try {
    control = await listenControl(options.control, handle);
  } catch (err) {
    closeListeners(listeners);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const stop = (why: string): Promise<void> => {
    if (!stopping) {
      log.info(`${why}: stopping gracefully`);
      stopping = supervisor.stop().then(markStopped);
    }
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP') {
      supervisor.reload().catch((err) => {
        if (!isBatonError(err) || err.code === 'BATON_BUSY' || err.code === 'BATON_STOPPING') log.warn(`SIGHUP: ${(err as Error).message}`);
      });
    } else {
      void stop(signal);
    }
  };
  process.on('SIGHUP', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info(`master ${process.pid} on node ${process.version}; listening on ${listeners.map((l) => l.key).join(', ')}; control socket ${options.control}`);
  try {
    await supervisor.start();
  } catch (err) {
    closeControl(control, options.control);
    closeListeners(listeners);
    throw err;
  }

  // The control server keeps the event loop alive until then.
  await stopped;
  // Let the reply to "baton stop" reach its caller before the socket goes away.
  await new Promise<void>((resolve) => {
    const timeout = setTimeout(resolve, 1000);
    control.close(() => {
      clearTimeout(timeout);
      resolve();
    });
  });
  closeControl(control, options.control);
  closeListeners(listeners);
  log.info('master exiting');
  return 0;
}
