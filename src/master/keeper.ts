// A master started in the foreground of a terminal that has handed over to a successor
// stays on as the keeper of that terminal: the shell waits for this process, so the
// service remains the terminal's foreground job and Ctrl-C still reaches it. The keeper
// owns no socket and no worker. SIGINT and SIGTERM to it become a stop request over the
// control socket, which always reaches the live master (after any number of upgrades);
// it exits 0 once the live master is gone: nothing answers on the control socket, the
// last master that answered there has exited, and no other master runs in its process
// group (every successor is started in it, so one not yet seen is found there).
import { request } from '../control/client.js';
import { commandLine, identify, processGroup, readStat, stillAlive } from '../procfs.js';
import { SUCCESSOR_COMMAND } from '../protocol/handover.js';
import type { Proc } from '../procfs.js';
import type { CaughtSignal } from '../signals.js';

/** How often the keeper asks who the live master is. */
const POLL_MS = 500;

/** What the keeper needs from the world; faked in unit tests. */
export interface KeeperHost {
  /** The pid of the master answering on the control socket now; rejects if none answers. */
  live(): Promise<number>;
  /** Asks the live master to stop; resolves with its pid once it has drained. */
  stop(): Promise<number>;
  /**
   * True while the master `pid` (as it was when first seen) runs, or another master of
   * this service does: a successor this keeper has not seen yet (two upgrades between
   * two of its polls) stays in its process group, as every successor does.
   */
  alive(pid: number): boolean;
  /** Calls `fn` with every signal this process catches from now on. */
  onSignal(fn: (signal: CaughtSignal) => void): void;
  wait(ms: number): Promise<void>;
  log(message: string): void;
}

/**
 * True when a fresh master should keep its terminal after a handover: its stdin or
 * stderr is a terminal (a --daemon has neither) and it does not run under systemd.
 */
export function keepsTerminal(isatty: (fd: number) => boolean, env: NodeJS.ProcessEnv): boolean {
  return (isatty(0) || isatty(2)) && !env.NOTIFY_SOCKET;
}

/** Keeps the terminal for the master `successor` handed over to, and after it; resolves with the exit code once the live master is gone. */
export async function keepTerminal(host: KeeperHost, successor: number, everyMs = POLL_MS): Promise<number> {
  let live = successor;
  host.onSignal((signal) => {
    if (signal !== 'SIGINT' && signal !== 'SIGTERM') {
      host.log(`keeper: ${signal} is not for this process, which only keeps the terminal; send it to the live master, pid ${live}`);
      return;
    }
    host.log(`keeper: ${signal}: asking the live master to stop`);
    host.stop().then(
      (pid) => host.log(`keeper: master ${pid} has stopped`),
      (err: Error) => host.log(`keeper: ${signal}: ${err.message}`),
    );
  });
  for (;;) {
    try {
      live = await host.live();
    } catch {
      // Nobody answers. Between two masters of an upgrade the control socket is briefly
      // unbound while the old one still runs: gone only once that master has exited too.
      if (!host.alive(live)) {
        host.log('keeper: no master serves any more; exiting');
        return 0;
      }
    }
    await host.wait(everyMs);
  }
}

/** The real host: the control socket at `control`, /proc for liveness, this process's signals. */
export function keeperHost(control: string, log: (message: string) => void, onSignal: KeeperHost['onSignal']): KeeperHost {
  const seen = new Map<number, Proc | undefined>();
  const remember = (pid: number) => {
    if (!seen.has(pid)) seen.set(pid, identify(pid));
    return seen.get(pid);
  };
  return {
    // "logs" is the cheapest request that names the master: it reads nothing from /proc.
    live: async () => {
      const { pid } = await request(control, 'logs');
      remember(pid);
      return pid;
    },
    stop: async () => (await request(control, 'stop')).pid,
    alive: (pid) => {
      const proc = remember(pid);
      if (proc !== undefined && stillAlive(proc)) return true;
      const group = readStat(process.pid)?.pgrp;
      return group !== undefined && processGroup(group).some((p) => p.pid !== process.pid && commandLine(p.pid).includes(SUCCESSOR_COMMAND));
    },
    onSignal,
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log,
  };
}
