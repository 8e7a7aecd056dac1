// The old master's view of its successor during an upgrade: a process spawned with the
// listening fds in its stdio table and the handover as its first IPC message. Its
// messages and its exit arrive as events in the old master's loop; the upgrade logic
// (upgrade.ts) decides what they mean.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUCCESSOR_COMMAND } from '../protocol/handover.js';
import type { HandoverMessage, PredecessorMessage, SuccessorMessage } from '../protocol/handover.js';
import type { NativeHandle } from './handoff.js';
import type { Listener } from './listeners.js';
import { escalate } from './terminate.js';

/** The CLI of the code now on disk: a successor runs what is deployed, not what runs here. */
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface SuccessorSpec {
  nodePath: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  handover: HandoverMessage;
  listeners: readonly Listener[];
  /** The health endpoint's fd, after the listeners' in the stdio table. */
  healthFd: number | undefined;
}

export interface SuccessorEvents {
  message(message: SuccessorMessage, handle: NativeHandle | undefined): void;
  /** It is gone: why, in words ("exited with code 1", "could not start ..."); `clean` for exit code 0. */
  exit(reason: string, clean: boolean): void;
}

/** A running successor, as the old master drives it. */
export interface SuccessorHandle {
  readonly pid: number | undefined;
  /** True once the process is gone. */
  readonly gone: boolean;
  send(message: PredecessorMessage, handle?: NativeHandle, done?: () => void): void;
  /** SIGTERM (it drains its workers), then SIGKILL after graceMs if it is still there. */
  terminate(graceMs: number): void;
}

/** A successor master process, from spawn to exit. */
export class SuccessorProcess implements SuccessorHandle {
  readonly pid: number | undefined;
  private readonly child: ChildProcess;
  private exitReason: string | undefined;

  constructor(spec: SuccessorSpec, events: SuccessorEvents) {
    // Its stdout and stderr are ours, so its log goes where ours went and outlives us.
    this.child = spawn(spec.nodePath, [CLI, SUCCESSOR_COMMAND], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...spec.listeners.map((l) => l.fd), ...(spec.healthFd === undefined ? [] : [spec.healthFd])],
      serialization: 'json',
    });
    this.pid = this.child.pid;
    const gone = (reason: string, clean = false) => {
      if (this.exitReason !== undefined) return;
      this.exitReason = reason;
      events.exit(reason, clean);
    };
    this.child.once('error', (err) => {
      // spawn() failures (ENOENT, EACCES) may come without an 'exit'.
      if (this.child.pid === undefined) gone(`could not start ${spec.nodePath}: ${err.message}`);
    });
    this.child.on('error', () => {});
    this.child.once('exit', (code, signal) => gone(signal ? `was killed by ${signal}` : `exited with code ${code}`, code === 0));
    this.child.on('message', (message: SuccessorMessage, handle?: NativeHandle) => events.message(message, handle));
    this.send(spec.handover);
  }

  get gone(): boolean {
    return this.exitReason !== undefined;
  }

  send(message: PredecessorMessage, handle?: NativeHandle, done?: () => void): void {
    if (!this.child.connected) {
      done?.();
      return;
    }
    this.child.send(message, handle as never, {}, () => done?.());
  }

  terminate(graceMs: number): void {
    if (this.gone || this.child.pid === undefined) return;
    escalate(this.child, graceMs);
  }
}
