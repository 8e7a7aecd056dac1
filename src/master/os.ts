// The master's seam to the operating system: the clock, timers, signals, and the
// processes it spawns. The master's logic (loop, reconcile, rollouts, upgrade) reaches
// the world only through this interface, so unit tests drive every interleaving with
// fakes and no real process; realOs() is the one implementation that touches the OS.
import { accessSync, constants, statSync } from 'node:fs';
import type { MasterMessage } from '../protocol/worker.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { readProcStats } from './proc-stats.js';
import type { ProcStats } from './proc-stats.js';
import { SuccessorProcess } from './successor-process.js';
import type { SuccessorEvents, SuccessorHandle, SuccessorSpec } from './successor-process.js';
import { notifySystemd } from './systemd.js';
import { WorkerProcess } from './worker-process.js';
import type { ExitInfo, SpawnOptions } from './worker-process.js';

export type { ExitInfo } from './worker-process.js';
export type { SuccessorEvents, SuccessorHandle, SuccessorSpec } from './successor-process.js';

/** A pending timer; cancel() is idempotent. */
export interface Timer {
  cancel(): void;
}

/** What a worker is started with (its slot is always known to the master). */
export type WorkerSpec = SpawnOptions & { slot: number };

/** What a worker process reports; both arrive as events in the master's loop. */
export interface WorkerEvents {
  message(message: unknown, handle: unknown): void;
  exit(info: ExitInfo): void;
}

/** A running worker process, as the master drives it. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  /** Sends a message, optionally with a handle; `done` gets false if it could not be written. */
  send(message: MasterMessage, handle?: object, done?: (sent: boolean) => void): void;
  /** Asks it to drain; SIGTERM after drainMs, SIGKILL killMs later. */
  drain(handoff: boolean, drainMs: number, killMs: number): void;
  /** SIGTERM now, SIGKILL after killMs. */
  terminate(killMs: number): void;
  /** SIGKILL now (a stuck worker cannot drain). */
  kill(): void;
  /** The last lines it wrote to stderr, oldest first. */
  stderrLines(): string[];
}

export type Signal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2' | 'SIGTERM' | 'SIGINT';

/** The operating system, as the master sees it. */
export interface MasterOs {
  /** Milliseconds on a monotonic-enough wall clock (Date.now in production). */
  now(): number;
  /** Runs `fn` after `ms`; the timer never keeps the process alive by itself. */
  timer(ms: number, fn: () => void): Timer;
  spawnWorker(spec: WorkerSpec, events: WorkerEvents): WorkerHandle;
  spawnSuccessor(spec: SuccessorSpec, events: SuccessorEvents): SuccessorHandle;
  /** Memory and CPU of a process, or undefined if it is gone. */
  procStats(pid: number): ProcStats | undefined;
  /** True if `path` is a file this process may execute. */
  isExecutable(path: string): boolean;
  /** Writes this process's pid to the pid file, atomically. */
  writePidFile(path: string): void;
  /** Removes the pid file if it still names this process. */
  removePidFile(path: string): void;
  /** Tells systemd (NOTIFY_SOCKET); resolves with a warning to log, or undefined. */
  notifySystemd(...assignments: string[]): Promise<string | undefined>;
}

/** The real thing. */
export function realOs(): MasterOs {
  return {
    now: () => Date.now(),
    timer(ms, fn) {
      const timer = setTimeout(fn, ms);
      timer.unref();
      return { cancel: () => clearTimeout(timer) };
    },
    spawnWorker(spec, events) {
      const proc = new WorkerProcess(spec);
      proc.onMessage((message, handle) => events.message(message, handle));
      void proc.exited.then((info) => events.exit(info));
      return proc;
    },
    spawnSuccessor: (spec, events) => new SuccessorProcess(spec, events),
    procStats: (pid) => readProcStats(pid),
    isExecutable(path) {
      try {
        accessSync(path, constants.X_OK);
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    writePidFile: (path) => writePidFile(path),
    removePidFile: (path) => removePidFile(path),
    notifySystemd: (...assignments) => notifySystemd(...assignments),
  };
}
