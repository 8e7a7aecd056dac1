// The new master's side of an upgrade. It starts its own workers on the inherited
// sockets (state standby: it runs no reload or upgrade, so there is never a third
// master), tells the old master it is ready, and takes the control socket and the pid
// file when told, or as soon as the old master is gone, whenever that happens: the
// channel's disconnect is watched from the first instant, so a successor whose old
// master died never runs on without a control socket. A failure to take the control
// socket is logged and retried; it never takes the service down.
import type { PredecessorMessage, SuccessorMessage, Unversioned } from '../protocol/handover.js';
import type { NativeHandle } from './handoff.js';
import type { Master } from './master.js';
import type { StopRun } from './stop.js';

export type SuccessorItem =
  | { type: 'predecessor-message'; message: PredecessorMessage; handle: NativeHandle | undefined }
  | { type: 'predecessor-gone' }
  | { type: 'health-open'; error: Error | undefined }
  | { type: 'took-over'; error: Error | undefined };

/** How long between attempts to take a control socket that is still in use. */
const CONTROL_RETRY_MS = 2000;

/** What a successor needs of its IPC channel to the old master (process in production). */
export interface Channel {
  readonly connected: boolean;
  send(message: SuccessorMessage, handle?: NativeHandle, done?: () => void): void;
  on(event: 'message', listener: (message: unknown, handle?: NativeHandle) => void): void;
  on(event: 'disconnect', listener: () => void): void;
  disconnect(): void;
}

/** The successor's channel to its old master, speaking the handover version it was given. */
export class PredecessorLink {
  /** True once the old master is gone (or the channel closed). */
  gone: boolean;
  fromPid = 0;
  /** 1: release 0.1.0, which takes no connection back; 2: this release's format. */
  version = 1;
  /** When the upgrade began, for the duration the new master reports. */
  upgradeStartedAt = '';
  /** The inherited health fd, if the old master had a health endpoint. */
  healthFd: number | undefined;
  private post: ((item: SuccessorItem) => void) | undefined;
  private readonly early: SuccessorItem[] = [];
  private handover: ((message: unknown) => void) | undefined;

  constructor(private readonly channel: Channel) {
    // Watched from the start: events before the master exists wait for attach().
    this.gone = !channel.connected;
    channel.on('disconnect', () => {
      this.gone = true;
      this.deliver({ type: 'predecessor-gone' });
    });
    channel.on('message', (message, handle) => {
      if ((message as { type?: unknown } | null)?.type === 'handover' && this.handover) return this.handover(message);
      if ((message as { v?: unknown } | null)?.v === undefined) return;
      this.deliver({ type: 'predecessor-message', message: message as PredecessorMessage, handle });
    });
  }

  /** The first IPC message, for a version-2 handover; rejects if the old master goes first or never sends it. */
  nextHandover(timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(new Error('the old master went away before it sent the handover'));
      const timer = setTimeout(() => reject(new Error(`the old master sent no handover within ${timeoutMs}ms`)), timeoutMs);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        this.handover = undefined;
        fn();
      };
      this.handover = (message) => settle(() => resolve(message));
      this.channel.on('disconnect', () => settle(() => reject(new Error('the old master went away before it sent the handover'))));
    });
  }

  /** What the handover said about the old master. */
  configure(fromPid: number, version: number, upgradeStartedAt: string, healthFd: number | undefined): void {
    this.fromPid = fromPid;
    this.version = version;
    this.upgradeStartedAt = upgradeStartedAt;
    this.healthFd = healthFd;
  }

  /** Starts delivering the channel's events to the master's loop. */
  attach(master: Master): void {
    this.post = (item) => master.post(item);
    for (const item of this.early.splice(0)) master.post(item);
    if (this.gone) master.post({ type: 'predecessor-gone' });
  }

  /** Sends a message in the version the old master speaks. */
  tell(message: Unversioned<SuccessorMessage>, handle?: NativeHandle, done?: () => void): void {
    if (this.gone || !this.channel.connected) {
      done?.();
      return;
    }
    this.channel.send({ ...message, v: this.version } as SuccessorMessage, handle, done);
  }

  /** The successor's workers are ready: serve health, then tell the old master. */
  onStarted(master: Master): void {
    master.endpoints.openHealth(this.healthFd).then(
      () => master.post({ type: 'health-open', error: undefined }),
      (err: Error) => master.post({ type: 'health-open', error: err }),
    );
  }

  /** Stopping before it took over: idle connections go back to the old master, if it takes them. */
  onStopping(master: Master, stop: StopRun): void {
    if (this.version < 2 || this.gone) return;
    stop.handoff = true;
    master.cluster.setExternalRoute((key, hops, handle, written) => this.tell({ type: 'adopt', key, hops }, handle, written));
  }

  disconnect(): void {
    if (this.channel.connected) this.channel.disconnect();
  }

  private deliver(item: SuccessorItem): void {
    if (this.post) this.post(item);
    else this.early.push(item);
  }
}

/** The successor's items, by type. */
export const SUCCESSOR_HANDLERS: { [K in SuccessorItem['type']]: (master: Master, item: Extract<SuccessorItem, { type: K }>) => void } = {
  'predecessor-message': (master, { message, handle }) => {
    if (message.type === 'adopt' && handle) master.cluster.adopt(message.key, message.hops, handle);
    else if (message.type === 'takeover') takeOver(master, 'the old master has drained');
  },
  'predecessor-gone': (master) => {
    const state = master.state;
    // Not yet ready: carry on starting; it takes over once ready (see health-open).
    if (state.kind === 'standby' && state.told) takeOver(master, 'the old master is gone');
  },
  'health-open': (master, { error }) => {
    const state = master.state;
    const link = master.predecessor!;
    if (state.kind !== 'standby' || state.told) return;
    if (error) {
      link.tell({ type: 'failed', reason: error.message });
      master.log.error(error.message);
      return void master.request({ cmd: 'stop', from: 'health endpoint failed' });
    }
    master.move({ ...state, told: true });
    if (link.gone) return takeOver(master, 'the old master is gone');
    link.tell({ type: 'ready', pid: process.pid, node: process.version, replacesControl: true });
  },
  'took-over': (master, { error }) => {
    if (master.state.kind !== 'taking-over') return;
    const link = master.predecessor!;
    master.move({ kind: 'serving' });
    if (error) {
      master.log.error(`could not take the control socket: ${error.message}; serving without it, retrying every ${CONTROL_RETRY_MS}ms (signals still work)`);
      retryControl(master);
    }
    link.tell({ type: 'took-over', pid: process.pid });
    const startedAt = Date.parse(link.upgradeStartedAt);
    const durationMs = Number.isNaN(startedAt) ? 0 : Math.max(0, Date.now() - startedAt);
    master.lastUpgrade = { kind: 'upgrade', generation: master.cluster.generation, ok: true, startedAt: link.upgradeStartedAt, durationMs, fromPid: link.fromPid, toPid: process.pid };
    master.metrics?.recordOperation('upgrade', 'ok', durationMs / 1000);
    master.endpoints.openMetrics().catch((err: Error) => master.log.error(`metrics: ${err.message}`));
    if (link.gone) {
      // Nobody told systemd about this master: do it here.
      void master.os.notifySystemd(`MAINPID=${process.pid}`).then((warning) => warning && master.log.warn(warning));
    }
    // The channel stays open while the old master's workers drain in the background:
    // their idle connections still move here. It closes when the old master exits.
  },
};

/** Takes the control socket and the pid file; the result comes back as a took-over item. */
function takeOver(master: Master, why: string): void {
  const state = master.state;
  if (state.kind !== 'standby' || !state.told) return;
  master.move({ kind: 'taking-over' });
  master.log.info(`taking over the control socket (${why})`);
  const take = async () => {
    try {
      // The old master may still answer there: the file is replaced in one rename.
      await master.endpoints.openControl(true);
    } finally {
      // The pid file names the live master even if the control socket failed.
      if (master.options.pidFile) master.os.writePidFile(master.options.pidFile);
    }
  };
  take().then(
    () => master.post({ type: 'took-over', error: undefined }),
    (err: Error) => master.post({ type: 'took-over', error: err }),
  );
}

function retryControl(master: Master): void {
  master.os.timer(CONTROL_RETRY_MS, () => {
    if (master.exit || master.state.kind === 'stopped') return;
    master.endpoints.openControl(true).then(
      () => master.log.info(`took the control socket ${master.options.control}`),
      () => retryControl(master),
    );
  });
}

