// One worker OS process as the master sees it: spawned with the listening fds in its
// stdio table and the bootstrap in its environment, its output forwarded line by line
// with a prefix, the tail of its stderr kept for failure reports, and a stop that
// escalates (drain → SIGTERM → SIGKILL) on named deadlines.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BOOTSTRAP_ENV, WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import type { MasterMessage, WorkerBootstrap, WorkerListener } from '../protocol/worker.js';
import type { Listener } from './listeners.js';
import { escalate } from './terminate.js';
import type { WorkerLine } from './log-sink.js';

const PRELOAD = pathToFileURL(fileURLToPath(new URL('../worker/preload.js', import.meta.url))).href;
const STDERR_TAIL_LINES = 20;
/** How long after a worker exits its output pipes may take to reach their end. */
const STDIO_FLUSH_MS = 1000;
/** Index of the first listening fd in the worker's stdio table (0-2 stdio, 3 IPC). */
const FIRST_LISTENER_FD = 4;

export interface SpawnOptions {
  id: number;
  generation: number;
  /** Slot index, 1..N. */
  slot?: number;
  app: string;
  appArgs: readonly string[];
  nodePath: string;
  nodeArgs: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  listeners: readonly Listener[];
  waitReady: boolean;
  /** With two or more workers: balance connections across this many. */
  balanceWorkers?: number;
  /** Where each line of its stdout and stderr goes, tagged with the worker's identity. */
  output: (line: WorkerLine) => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned worker process. Owns no lifecycle state: the supervisor does. */
export class WorkerProcess {
  readonly id: number;
  readonly generation: number;
  readonly pid: number | undefined;
  readonly startedAt = Date.now();
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private terminating = false;

  constructor(options: SpawnOptions) {
    this.id = options.id;
    this.generation = options.generation;
    const listeners: WorkerListener[] = options.listeners.map((l, i) => {
      const fd = FIRST_LISTENER_FD + i;
      return l.spec.kind === 'unix'
        ? { key: l.key, fd, kind: 'unix', path: l.spec.path }
        : { key: l.key, fd, kind: 'tcp', host: l.host!, port: l.port! };
    });
    const bootstrap: WorkerBootstrap = {
      v: WORKER_PROTOCOL_VERSION,
      id: options.id,
      ...(options.slot === undefined ? {} : { slot: options.slot }),
      generation: options.generation,
      listeners,
      waitReady: options.waitReady,
      ...(options.balanceWorkers && options.balanceWorkers > 1 ? { balance: { workers: options.balanceWorkers } } : {}),
    };
    const firstTcp = options.listeners.find((l) => l.port !== undefined);
    const env: NodeJS.ProcessEnv = {
      ...options.env,
      [BOOTSTRAP_ENV]: JSON.stringify(bootstrap),
      BATON_WORKER_ID: String(options.id),
      BATON_GENERATION: String(options.generation),
      // PM2's variable, which apps use to run a job on one instance only: the slot, 0..N-1.
      ...(options.slot === undefined ? {} : { NODE_APP_INSTANCE: String(options.slot - 1), BATON_SLOT: String(options.slot) }),
    };
    if (firstTcp) env.PORT = String(firstTcp.port);
    this.child = spawn(
      options.nodePath,
      [...options.nodeArgs, '--import', PRELOAD, options.app, ...options.appArgs],
      {
        cwd: options.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...options.listeners.map((l) => l.fd)],
        // A session of its own: Ctrl-C in a terminal (SIGINT to the whole foreground
        // process group) reaches only the master, which drains the workers, instead of
        // killing every worker in the middle of its requests.
        detached: true,
        serialization: 'json',
      },
    );
    this.pid = this.child.pid;
    const line = (stream: WorkerLine['stream'], message: string) =>
      options.output({ worker: options.id, pid: this.pid, generation: options.generation, stream, message });
    // A spawn that failed at once (EMFILE: out of file descriptors) has no pipes.
    if (this.child.stdout) createInterface({ input: this.child.stdout }).on('line', (text) => line('stdout', text));
    if (this.child.stderr) {
      createInterface({ input: this.child.stderr }).on('line', (text) => {
        this.stderrTail.push(text);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        line('stderr', text);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        for (const timer of this.timers) clearTimeout(timer);
        this.exitInfo = { code, signal };
        // Its last lines may still sit in the pipes: wait until both are read to the end
        // ('close'), so the stderr tail is complete and no line is lost to a master that
        // exits right after its last worker. A grandchild holding the pipes open must not
        // stall that: STDIO_FLUSH_MS at most.
        const done = () => {
          clearTimeout(timer);
          setImmediate(() => resolve(this.exitInfo!));
        };
        const timer = setTimeout(done, STDIO_FLUSH_MS);
        timer.unref();
        if (this.child.stdout?.readableEnded !== false && this.child.stderr?.readableEnded !== false) done();
        else this.child.once('close', done);
      });
    });
    // spawn() failures (ENOENT for a bad node path) arrive as 'error', then 'exit' may
    // not follow: turn them into an exit so nobody waits forever.
    this.child.once('error', (err) => {
      this.stderrTail.push(`spawn failed: ${err.message}`);
      if (this.exitInfo === undefined && this.child.pid === undefined) this.child.emit('exit', null, null);
    });
    // A write to a worker that just died is not our failure; its exit handles it.
    this.child.on('error', () => {});
  }

  /** Messages (and handles) from the worker. */
  onMessage(listener: (message: unknown, handle: unknown) => void): void {
    this.child.on('message', listener);
  }

  /** Sends a message, optionally with a handle; `done` gets false if it could not be written. */
  send(message: MasterMessage, handle?: object, done?: (sent: boolean) => void): void {
    if (!this.child.connected) {
      done?.(false);
      return;
    }
    this.child.send(message, handle as never, {}, (err) => done?.(!err));
  }

  /** Asks the worker to drain; escalates to SIGTERM after drainMs and SIGKILL killMs later. */
  drain(handoff: boolean, drainMs: number, killMs: number): void {
    this.send({ v: WORKER_PROTOCOL_VERSION, type: 'drain', handoff, timeoutMs: drainMs }, undefined, (sent) => {
      if (!sent) this.terminate(killMs);
    });
    this.after(drainMs, () => this.terminate(killMs));
  }

  /** SIGTERM now, SIGKILL after killMs if it is still there; once. */
  terminate(killMs: number): void {
    if (this.exitInfo || this.terminating) return;
    this.terminating = true;
    escalate(this.child, killMs);
  }

  /** SIGKILL now, if it is still there. */
  kill(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }

  /** The last lines the worker wrote to stderr, oldest first. */
  stderrLines(): string[] {
    return this.stderrTail.slice();
  }

  private after(ms: number, action: () => void): void {
    if (this.exitInfo) return;
    const timer = setTimeout(action, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
