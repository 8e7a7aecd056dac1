// Fakes for the master's seams (os.ts, endpoints.ts, successor.ts's channel): a clock
// whose timers run when the test says, workers and successors whose events the test
// raises, endpoints that record what was opened. With them a test drives a real Master
// through any interleaving of events, with no process and no socket.
import type { MasterOptions } from '../../../src/config/options.js';
import { LogSink } from '../../../src/master/log-sink.js';
import type { Level, WorkerLine } from '../../../src/master/log-sink.js';
import { Logger } from '../../../src/master/log.js';
import { Master } from '../../../src/master/master.js';
import type { MasterRequest } from '../../../src/master/master.js';
import type { Endpoints } from '../../../src/master/endpoints.js';
import type { Listener } from '../../../src/master/listeners.js';
import type { ExitInfo, MasterOs, SuccessorEvents, SuccessorHandle, SuccessorSpec, Timer, WorkerEvents, WorkerHandle, WorkerSpec } from '../../../src/master/os.js';
import { PredecessorLink } from '../../../src/master/successor.js';
import type { Channel } from '../../../src/master/successor.js';
import type { MasterMessage } from '../../../src/protocol/worker.js';
import type { PredecessorMessage, SuccessorMessage, SupervisorCounters, Unversioned } from '../../../src/protocol/handover.js';

/** A log that keeps its lines. */
export class MemorySink extends LogSink {
  readonly lines: string[] = [];
  override master(level: Level, message: string): void {
    this.lines.push(`${level}: ${message}`);
  }
  override worker(line: WorkerLine): void {
    this.lines.push(`[worker ${line.worker}] ${line.message}`);
  }
}

interface FakeTimer {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

/** A worker process whose events the test raises. */
export class FakeWorker implements WorkerHandle {
  readonly sent: Array<{ message: MasterMessage; handle: object | undefined }> = [];
  drained: { handoff: boolean } | undefined;
  terminated = false;
  exited = false;
  constructor(
    readonly pid: number,
    readonly spec: WorkerSpec,
    private readonly events: WorkerEvents,
  ) {}
  send(message: MasterMessage, handle?: object, done?: (sent: boolean) => void): void {
    this.sent.push({ message, handle });
    done?.(!this.exited);
  }
  drain(handoff: boolean): void {
    this.drained ??= { handoff };
  }
  terminate(): void {
    this.terminated = true;
  }
  killed = false;
  kill(): void {
    this.killed = true;
  }
  /** The worker's event loop reports its counts (its heartbeat). */
  beat(counts: Partial<{ connections: number; upgraded: number; requests: number }> = {}): void {
    this.events.message({ v: 1, type: 'stats', connections: 0, upgraded: 0, requests: 0, eventLoopDelayMs: 1, eventLoopUtilization: 0.1, ...counts }, undefined);
  }
  stderrLines(): string[] {
    return [`stderr of worker ${this.spec.id}`];
  }
  /** The worker hands an idle connection to the master. */
  handOff(key: string, handle: object): void {
    this.events.message({ v: 1, type: 'handoff', key, hops: 0 }, handle);
  }
  /** The app in the worker called listen() for the master's listener `key`. */
  claim(key: string): void {
    this.events.message({ v: 1, type: 'claimed', key }, undefined);
  }
  /** The worker reports ready. */
  ready(): void {
    this.events.message({ v: 1, type: 'ready' }, undefined);
  }
  /** The worker process exits. */
  exit(info: Partial<ExitInfo> = {}): void {
    if (this.exited) return;
    this.exited = true;
    this.events.exit({ code: info.code ?? 0, signal: info.signal ?? null });
  }
}

/** A successor master whose messages and exit the test raises. */
export class FakeSuccessor implements SuccessorHandle {
  readonly sent: PredecessorMessage[] = [];
  terminatedAfter: number | undefined;
  gone = false;
  constructor(
    readonly pid: number,
    readonly spec: SuccessorSpec,
    private readonly events: SuccessorEvents,
  ) {}
  /** While true, send() keeps its callbacks in `unwritten` (the IPC write has not happened yet). */
  holdWrites = false;
  readonly unwritten: Array<() => void> = [];
  send(message: PredecessorMessage, _handle?: unknown, done?: () => void): void {
    this.sent.push(message);
    if (this.holdWrites) this.unwritten.push(() => done?.());
    else done?.();
  }
  terminate(graceMs: number): void {
    this.terminatedAfter ??= graceMs;
  }
  say(message: Unversioned<SuccessorMessage>): void {
    this.events.message({ v: 2, ...message } as SuccessorMessage, undefined);
  }
  exit(reason = 'exited with code 0'): void {
    if (this.gone) return;
    this.gone = true;
    this.events.exit(reason, reason === 'exited with code 0');
  }
}

/** The OS, faked: a manual clock, and processes the test drives. */
export class FakeOs implements MasterOs {
  time = 1_000_000;
  private nextPid = 100;
  private readonly timers: FakeTimer[] = [];
  readonly workers: FakeWorker[] = [];
  readonly successors: FakeSuccessor[] = [];
  readonly notified: string[] = [];
  readonly pidFiles: string[] = [];
  rss = new Map<number, number>();
  executable = true;
  /** Set to make the next spawnWorker throw (the OS refuses: EMFILE, EAGAIN). */
  spawnFault: Error | undefined;
  /** Set to make the next timer() throw (a fault inside the master's own bookkeeping). */
  timerFault: Error | undefined;

  now(): number {
    return this.time;
  }
  timer(ms: number, fn: () => void): Timer {
    if (this.timerFault) {
      const fault = this.timerFault;
      this.timerFault = undefined;
      throw fault;
    }
    const timer: FakeTimer = { at: this.time + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  /** Moves the clock on, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }
  spawnWorker(spec: WorkerSpec, events: WorkerEvents): WorkerHandle {
    if (this.spawnFault) {
      const fault = this.spawnFault;
      this.spawnFault = undefined;
      throw fault;
    }
    const worker = new FakeWorker(this.nextPid++, spec, events);
    this.workers.push(worker);
    return worker;
  }
  spawnSuccessor(spec: SuccessorSpec, events: SuccessorEvents): SuccessorHandle {
    const successor = new FakeSuccessor(this.nextPid++, spec, events);
    this.successors.push(successor);
    return successor;
  }
  procStats(pid: number) {
    return { rssBytes: this.rss.get(pid) ?? 50 * 1024 * 1024, cpuSeconds: 0 };
  }
  isExecutable(): boolean {
    return this.executable;
  }
  writePidFile(path: string): void {
    this.pidFiles.push(path);
  }
  removePidFile(): void {}
  notifySystemd(...assignments: string[]): Promise<string | undefined> {
    this.notified.push(...assignments);
    return Promise.resolve(undefined);
  }

  /** Live (not exited) workers, optionally of one generation. */
  live(generation?: number): FakeWorker[] {
    return this.workers.filter((w) => !w.exited && (generation === undefined || w.spec.generation === generation));
  }
  /** Every live worker that was told to drain (or is being terminated) exits. */
  exitDrained(): void {
    for (const w of this.live()) if (w.drained || w.terminated) w.exit();
  }
}

/** Endpoints that only record. */
export class FakeEndpoints implements Endpoints {
  readonly events: string[] = [];
  controlFault: Error | undefined;
  /** Whether the control socket was bound under a temporary name (so it can outlive a rename over it). */
  renamedControl = true;
  openControl(): Promise<void> {
    this.events.push('open control');
    return this.controlFault ? Promise.reject(this.controlFault) : Promise.resolve();
  }
  releaseControl(): void {
    this.events.push('release control');
  }
  keepsControlThroughHandover(): boolean {
    return this.renamedControl;
  }
  openHealth(fd?: number): Promise<void> {
    this.events.push(`open health${fd === undefined ? '' : ` fd ${fd}`}`);
    return Promise.resolve();
  }
  closeHealth(): void {
    this.events.push('close health');
  }
  healthFd(): number | undefined {
    return undefined;
  }
  openMetrics(): Promise<void> {
    this.events.push('open metrics');
    return Promise.resolve();
  }
  closeMetrics(): void {
    this.events.push('close metrics');
  }
  close(): Promise<void> {
    this.events.push('close');
    return Promise.resolve();
  }
}

/** A fake IPC channel to an old master. */
export class FakeChannel implements Channel {
  connected = true;
  readonly sent: SuccessorMessage[] = [];
  private readonly listeners: { message: Array<(m: unknown) => void>; disconnect: Array<() => void> } = { message: [], disconnect: [] };
  send(message: SuccessorMessage, _handle?: unknown, done?: () => void): void {
    this.sent.push(message);
    done?.();
  }
  on(event: 'message' | 'disconnect', listener: (message: unknown) => void): void {
    (this.listeners[event] as Array<(m: unknown) => void>).push(listener);
  }
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const l of this.listeners.disconnect) l();
  }
  /** A message from the old master. */
  deliver(message: PredecessorMessage): void {
    for (const l of this.listeners.message) l(message);
  }
}

/** A master listener that is no socket: its key and spec only. */
export function fakeListener(key: string): Listener {
  const tcp = /^(.+):(\d+)$/.exec(key);
  const spec = tcp ? { kind: 'tcp' as const, host: tcp[1]!, port: Number(tcp[2]) } : { kind: 'unix' as const, path: key };
  return { key, spec, fd: -1, ...(tcp ? { host: tcp[1]!, port: Number(tcp[2]) } : {}), handle: { fd: -1, close() {} } };
}

/** Options as resolveStartOptions would give them, for a fake cluster. */
export function fakeOptions(overrides: Partial<MasterOptions> = {}): MasterOptions {
  return {
    app: '/srv/app.js',
    appArgs: [],
    workers: 2,
    listen: [],
    batch: { kind: 'count', count: 1 },
    readyTimeoutMs: 5000,
    drainTimeoutMs: 30000,
    killTimeoutMs: 5000,
    nodePath: '/usr/bin/node',
    nodeArgs: [],
    waitReady: false,
    control: '/tmp/fake.sock',
    pidFile: undefined,
    upgradeTimeoutMs: 60000,
    health: undefined,
    lbGraceMs: 0,
    metrics: undefined,
    maxMemoryBytes: undefined,
    watch: false,
    cwd: '/srv',
    env: {},
    source: { flags: {}, positionals: ['/srv/app.js'], appArgs: [], cwd: '/srv', configFile: undefined },
    ...overrides,
  };
}

export interface Harness {
  master: Master;
  os: FakeOs;
  endpoints: FakeEndpoints;
  log: MemorySink;
  channel: FakeChannel | undefined;
  /** Sends a request as the control socket would; the promise is its answer. */
  ask(cmd: MasterRequest['cmd'], args?: MasterRequest['args']): Promise<unknown> & { settled(): 'pending' | 'resolved' | 'rejected'; value(): unknown };
  /** Every live starting worker reports ready. */
  readyAll(): void;
  /** Lets promise callbacks (async endpoints, config reads) run. */
  flush(): Promise<void>;
}

/** A master on fakes. With `successor`, it starts as a successor of an old master (version 2). */
export function harness(options: Partial<MasterOptions> = {}, more: { resolveOptions?: () => Promise<MasterOptions>; successor?: boolean; resume?: SupervisorCounters; listeners?: Listener[] } = {}): Harness {
  const os = new FakeOs();
  const endpoints = new FakeEndpoints();
  const log = new MemorySink();
  const opts = fakeOptions(options);
  const channel = more.successor ? new FakeChannel() : undefined;
  let predecessor: PredecessorLink | undefined;
  if (channel) {
    predecessor = new PredecessorLink(channel);
    predecessor.configure(42, 2, new Date(os.time).toISOString(), undefined);
  }
  const master = new Master({
    options: opts,
    listeners: more.listeners ?? [],
    log: new Logger(log),
    os,
    metrics: undefined,
    resolveOptions: more.resolveOptions ?? (() => Promise.resolve({ ...opts })),
    ...(more.resume ? { resume: more.resume } : {}),
    ...(predecessor ? { predecessor } : {}),
  });
  master.start(endpoints);
  const ask = (cmd: MasterRequest['cmd'], args?: MasterRequest['args']) => {
    let state: 'pending' | 'resolved' | 'rejected' = 'pending';
    let value: unknown;
    const promise = master.request({ cmd, from: `baton ${cmd}`, ...(args ? { args } : {}) }).then(
      (v) => {
        state = 'resolved';
        value = v;
        return v;
      },
      (err: unknown) => {
        state = 'rejected';
        value = err;
        throw err;
      },
    );
    promise.catch(() => {});
    return Object.assign(promise, { settled: () => state, value: () => value });
  };
  return {
    master,
    os,
    endpoints,
    log,
    channel,
    ask,
    readyAll: () => {
      for (const w of os.live()) if (!w.drained && !w.terminated) w.ready();
    },
    flush: async () => {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
