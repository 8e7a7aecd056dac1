// The old master's view of its successor during an upgrade: spawned with the listening
// fds in its stdio table and the handover in its environment, it must report ready
// within a deadline. Until it does, the old master serves as before; if it fails in any
// way, it is killed and the old master goes on.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errors } from '../errors.js';
import { HANDOVER_ENV, HANDOVER_VERSION } from '../protocol/handover.js';
import type { HandoverState, PredecessorMessage, SuccessorMessage } from '../protocol/handover.js';
import type { Listener } from './listeners.js';
import type { NativeHandle } from './supervisor.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** A successor master process, from spawn to takeover. */
export class SuccessorProcess {
  readonly pid: number | undefined;
  private readonly child: ChildProcess;
  private readonly exited: Promise<string>;
  private exitReason: string | undefined;
  private failure: string | undefined;

  /** `healthFd`, if any, follows the listeners' fds in the successor's stdio table. */
  constructor(nodePath: string, state: HandoverState, listeners: readonly Listener[], healthFd?: number) {
    // Its stdout and stderr are ours, so its log goes where ours went and outlives us.
    this.child = spawn(nodePath, [CLI, '__successor'], {
      cwd: state.options.cwd,
      env: { ...process.env, [HANDOVER_ENV]: JSON.stringify(state) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...listeners.map((l) => l.fd), ...(healthFd === undefined ? [] : [healthFd])],
      serialization: 'json',
    });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.exitReason = `could not start ${nodePath}: ${err.message}`;
        resolve(this.exitReason);
      });
      this.child.once('exit', (code, signal) => {
        this.exitReason ??= signal ? `was killed by ${signal}` : `exited with code ${code}`;
        resolve(this.exitReason);
      });
    });
    this.child.on('message', (raw: unknown) => {
      const message = raw as SuccessorMessage;
      if (message?.v === HANDOVER_VERSION && message.type === 'failed') this.failure = message.reason;
    });
  }

  /** Resolves when the successor's workers are all ready; rejects with why not. */
  ready(timeoutMs: number): Promise<{ pid: number; node: string }> {
    return this.await('ready', timeoutMs).then((m) => m as { pid: number; node: string });
  }

  /** Passes an idle connection on to the successor's workers; our copy closes once sent. */
  adopt(key: string, hops: number, handle: NativeHandle): void {
    this.send({ v: HANDOVER_VERSION, type: 'adopt', key, hops }, handle, () => handle.close());
  }

  /** Tells the successor to take the control socket and pid file; resolves once it has. */
  takeover(timeoutMs: number): Promise<void> {
    this.send({ v: HANDOVER_VERSION, type: 'takeover' });
    return this.await('took-over', timeoutMs).then(() => undefined);
  }

  /** SIGTERM, then SIGKILL after killMs; resolves when it is gone. */
  async kill(killMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killMs);
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: PredecessorMessage, handle?: NativeHandle, done?: () => void): void {
    if (!this.child.connected) {
      done?.();
      return;
    }
    this.child.send(message, handle as never, {}, () => done?.());
  }

  private await(type: 'ready' | 'took-over', timeoutMs: number): Promise<SuccessorMessage> {
    return new Promise((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        const message = raw as SuccessorMessage;
        if (message?.v !== HANDOVER_VERSION) return;
        if (message.type === type) finish(() => resolve(message));
        else if (message.type === 'failed') finish(() => reject(errors.upgradeFailed(`the new master failed: ${message.reason}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(errors.upgradeFailed(`the new master (pid ${this.pid}) was not ${type} within ${timeoutMs}ms (--upgrade-timeout)`))),
        timeoutMs,
      );
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        fn();
      };
      this.child.on('message', onMessage);
      void this.exited.then((reason) => {
        const detail = this.failure ? `: ${this.failure}` : '';
        finish(() => reject(errors.upgradeFailed(`the new master (pid ${this.pid ?? 'none'}) ${reason} before it was ${type}${detail}`)));
      });
    });
  }
}
