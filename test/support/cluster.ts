// Starts a real baton master (the CLI, as users run it) in a temp dir and tears it
// down afterwards: SIGTERM, then SIGKILL by pid for the master and every worker it had.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../../src/config/options.js';
import { commandLine, identify, signal, terminate } from '../../src/procfs.js';
import type { Proc } from '../../src/procfs.js';
import type { StatusSnapshot } from '../../src/protocol/control.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The baton command as npm installs it (package.json's bin). */
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'baton.cjs');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'apps');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The app registry a test's baton uses when it names none (BATON_RUNTIME_DIR): inside
 * the test's own directory, or one temp dir for this test process, so no test reads or
 * writes the machine's real registry, and masters of different tests never share names.
 */
export function testRegistry(dir?: string): string {
  if (dir !== undefined && dir !== ROOT) return join(dir, '.baton-registry');
  if (processRegistry === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'baton-registry-'));
    processRegistry = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return processRegistry;
}
let processRegistry: string | undefined;

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'baton-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a fixture app into dir (as `as`, default app.mjs) and returns its path. */
export function useFixture(dir: string, fixture: string, as = 'app.mjs'): string {
  const path = join(dir, as);
  copyFileSync(join(FIXTURES, fixture), path);
  return path;
}

export interface RunCliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  uid?: number;
  gid?: number;
  /** Another baton CLI than this checkout's (an installed release, a copy another user can read). */
  cli?: string;
}

/** Runs the baton CLI to completion (killed after timeoutMs) and collects its output. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, BATON_RUNTIME_DIR: testRegistry(options.cwd), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface ClusterOptions {
  /** The app to start; leave out to have baton read "script" from a config file in dir. */
  app?: string;
  dir: string;
  workers?: number;
  listen?: string[];
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for "cluster ready". */
  startTimeoutMs?: number;
  /** Listening fds to hand in as systemd socket activation does (fd 3 on, LISTEN_PID set). */
  activation?: number[];
  /** The open-files limit (ulimit -n) of the master, which its workers inherit. */
  openFiles?: number;
  /** Start the master as the leader of its own process group, as a shell does for a foreground job. */
  ownGroup?: boolean;
  /** With --log-file: also look for "cluster ready" in this file. */
  logFile?: string;
  /** The log goes nowhere readable (a full disk): ask the control socket whether the cluster is ready. */
  readyByStatus?: boolean;
  /** The baton CLI that starts the master (e.g. an installed older release); this checkout's by default. */
  cli?: string;
  /** The node binary that runs the master, and so its workers; this test's by default. */
  node?: string;
  /**
   * The command that starts the master instead of `node <cli> start`, e.g. ['npx', 'baton',
   * 'start'] in an app that installed it; the app, --workers, --listen and --control follow.
   */
  command?: readonly string[];
  /**
   * Run the master in a pseudo-terminal, as a shell runs a foreground job: util-linux's
   * `script` gives it a session and process group of its own with the pty as its
   * terminal (stdin, stdout, stderr). `child` is then `script`; interrupt() types Ctrl-C.
   */
  pty?: boolean;
}

/** A running master started through the CLI. */
export class Cluster {
  readonly control: string;
  readonly child: ChildProcess;
  output = '';
  /** Every worker pid ever seen, killed in teardown if still there. */
  private readonly knownPids = new Map<number, Proc | undefined>();
  /** Every master pid ever seen: the first, and each successor after an upgrade. */
  private readonly masterPids = new Map<number, Proc | undefined>();
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly options: ClusterOptions) {
    this.control = join(options.dir, 'control.sock');
    const listen = (options.listen ?? ['127.0.0.1:0']).flatMap((l) => ['--listen', l]);
    // Without an app, baton takes "script" from a config file.
    const app = options.app === undefined ? [] : [options.app];
    const workers = options.workers === undefined && options.app === undefined ? [] : ['--workers', String(options.workers ?? 2)];
    const [program, ...before] = options.command ?? [options.node ?? process.execPath, options.cli ?? CLI, 'start'];
    const args = [...before, ...app, ...workers, ...listen, '--control', this.control, ...(options.args ?? [])];
    const env = { ...process.env, BATON_RUNTIME_DIR: testRegistry(options.dir), ...options.env };
    const fds = options.activation ?? [];
    // A shell that then becomes the master with exec (same pid) sets what only it can:
    // LISTEN_PID for socket activation (the master's own pid), and the open-files limit.
    const shell = [fds.length > 0 ? 'LISTEN_PID=$$' : '', options.openFiles ? `ulimit -n ${options.openFiles};` : ''].filter(Boolean);
    this.child =
      shell.length > 0
        ? spawn('/bin/sh', ['-c', `${shell.join(' ')} exec "$0" "$@"`, program!, ...args], {
            cwd: options.dir,
            env: fds.length > 0 ? { ...env, LISTEN_FDS: String(fds.length) } : env,
            stdio: ['ignore', 'pipe', 'pipe', ...fds],
          })
        : options.pty
          ? // -e: script exits with the master's exit code; -f: output as it comes.
            spawn('script', ['-qfec', `exec ${[program!, ...args].map(shellQuote).join(' ')}`, '/dev/null'], { cwd: options.dir, env, stdio: ['pipe', 'pipe', 'pipe'] })
          : spawn(program!, args, { cwd: options.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownGroup === true });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d));
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    if (this.child.pid !== undefined) remember(this.masterPids, this.child.pid);
  }

  /** Starts a master and waits until its cluster is ready (throws with its output if not). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = Cluster.launch(options);
    await cluster.ready();
    return cluster;
  }

  /** Starts a master and returns at once (register destroy() right away); ready() waits for it. */
  static launch(options: ClusterOptions): Cluster {
    return new Cluster(options);
  }

  /** Waits until the master's cluster is ready (throws with its output if it exits or is late). */
  async ready(): Promise<void> {
    const options = this.options;
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    const logged = () => options.logFile !== undefined && existsSync(options.logFile) && readFileSync(options.logFile, 'utf8').includes('cluster ready');
    const answered = async () => options.readyByStatus === true && (await this.cli(['status', '--json'], 5_000)).stdout.includes('"state": "serving"');
    while (!this.output.includes('cluster ready') && !logged() && !(await answered())) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`master exited during start (code ${this.child.exitCode}, signal ${this.child.signalCode}):\n${this.output}`);
      }
      if (Date.now() > deadline) {
        await this.destroy();
        throw new Error(`cluster not ready within ${options.startTimeoutMs ?? 20_000}ms:\n${this.output}`);
      }
      await delay(20);
    }
    await this.status();
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** With `pty`: types Ctrl-C in the master's terminal (SIGINT to its foreground process group). */
  interrupt(): void {
    if (!this.options.pty) throw new Error('interrupt() needs a master started with pty: true');
    this.child.stdin!.write('\x03');
  }

  /** Resolves with the master's exit code and signal. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit;
  }

  /** Runs a CLI command against this master's control socket. */
  cli(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
    return runCli([...args, '--control', this.control], { cwd: this.options.dir, timeoutMs });
  }

  /** `baton status --json`, remembering every worker pid for teardown. */
  async status(): Promise<StatusSnapshot> {
    const result = await this.cli(['status', '--json'], 10_000);
    if (result.code !== 0) throw new Error(`baton status failed (${result.code}): ${result.stderr}`);
    const status = JSON.parse(result.stdout) as StatusSnapshot;
    remember(this.masterPids, status.pid);
    for (const w of status.workers) if (w.pid !== null) remember(this.knownPids, w.pid);
    return status;
  }

  /** The TCP port of the first TCP listener. */
  async port(): Promise<number> {
    const status = await this.status();
    const tcp = status.listeners.find((l) => /:\d+$/.test(l));
    if (!tcp) throw new Error(`no TCP listener in ${JSON.stringify(status.listeners)}`);
    return Number(tcp.slice(tcp.lastIndexOf(':') + 1));
  }

  /** Remembers pids started outside status (a successor master, its workers) for teardown. */
  track(pids: Iterable<number>, master = false): void {
    for (const pid of pids) remember(master ? this.masterPids : this.knownPids, pid);
  }

  /** Stops every master and worker whatever state they are in: TERM, then KILL by pid. */
  async destroy(): Promise<void> {
    this.trackLogged();
    // Each pid is known with its start time, so a pid reused since is never signalled.
    const known = (map: Map<number, Proc | undefined>) => [...map.values()].filter((p): p is Proc => p !== undefined);
    await terminate(known(this.masterPids), 10_000);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exit;
    }
    for (const p of known(this.knownPids)) signal(p, 'SIGKILL');
    // A process this helper never saw (a successor a failed test did not track) may
    // still hold the master's stdout and stderr: let go of them, so the test file exits.
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  /**
   * Remembers every master and worker the log has named so far (an upgrade's successor
   * and its workers). A pid learned this late may have been reused, so only a process
   * that still runs baton's code (its command line names dist/src/) is taken.
   */
  trackLogged(): void {
    const all = (re: RegExp) => [...this.output.matchAll(re)].map((m) => Number(m[1])).filter((pid) => commandLine(pid).some((a) => a.includes('/dist/src/')));
    this.track(all(/upgrade: started new master (\d+)/g), true);
    this.track(all(/worker \d+ started \(pid (\d+)/g));
  }
}

/** One word for sh -c, quoted. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Records a pid with its identity (pid and start time) the first time it is seen. */
function remember(map: Map<number, Proc | undefined>, pid: number): void {
  if (!map.get(pid)) map.set(pid, identify(pid));
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export { isAlive } from '../../src/procfs.js';


/**
 * A temp dir holding `fixture` as its app and a master started on it, both torn down
 * after the test. `options` are Cluster.start's, less app and dir.
 */
export async function startFixture(
  t: { after: (fn: () => unknown) => void },
  fixture: string,
  options: Omit<ClusterOptions, 'app' | 'dir'> = {},
): Promise<{ cluster: Cluster; tmp: { dir: string; remove: () => void }; app: string }> {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = useFixture(tmp.dir, fixture);
  const cluster = await Cluster.start({ app, dir: tmp.dir, ...options });
  t.after(() => cluster.destroy());
  return { cluster, tmp, app };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws `what`). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/**
 * The longest a reload or an upgrade may take when the app's drain hook moves its
 * long-lived clients (WebSockets, socket.io) at once: never the drain deadline. A reload
 * also spends --warm-up once, as the old workers hold HTTP connections too.
 */
export function atOnceMs(command: 'reload' | 'upgrade'): number {
  return (command === 'reload' ? DEFAULTS.warmUpMs : 0) + 5_000;
}
