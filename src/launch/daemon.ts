// `baton start --daemon`: start the master as a detached process (its own session,
// stdio on the log file) and return only once its cluster is ready, or with the reason
// it failed, read from the log file. The daemon is the master itself, so the pid file
// names it from the start.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from '../control/client.js';
import type { MasterOptions } from '../config/options.js';
import { errors } from '../errors.js';

// The command's entry point, so the daemon catches its signals from its first line.
const CLI = fileURLToPath(new URL('../cli/baton.cjs', import.meta.url));
/** How much longer than --ready-timeout the daemon may take to have a ready cluster. */
const START_GRACE_MS = 10_000;
const POLL_MS = 100;
const REASON_LINES = 30;

export interface DaemonStart {
  /** start's own arguments (before "--"), without --daemon. */
  args: readonly string[];
  appArgs: readonly string[];
  options: MasterOptions;
  logFile: string;
  pidFile: string;
  /** The node binary the master (and so its workers) runs on; this one's by default. */
  node?: string;
  /** The master's directory (the app's cwd); this start's by default. */
  cwd?: string;
  /** The master's environment (its workers inherit it); this start's by default. */
  env?: NodeJS.ProcessEnv;
}

/** Starts the daemon and waits for it; resolves with its pid, or throws why it failed. */
export async function startDaemon(start: DaemonStart): Promise<number> {
  const { options, logFile, pidFile } = start;
  const args = [
    CLI,
    'start',
    ...start.args,
    ...(options.logFile === undefined ? ['--log-file', logFile] : []),
    ...(options.pidFile === undefined ? ['--pid-file', pidFile] : []),
    ...(start.appArgs.length > 0 ? ['--', ...start.appArgs] : []),
  ];
  let fd: number;
  try {
    fd = openSync(logFile, 'a', 0o640);
  } catch (err) {
    throw errors.logFileFailed(logFile, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  const offset = fstatSync(fd).size;
  // By default the same directory as this start, so relative paths in args (and a config file) resolve the same.
  const node = start.node ?? process.execPath;
  const child = spawn(node, args, { cwd: start.cwd ?? process.cwd(), env: start.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `was killed by ${signal}` : `exited with code ${code}`));
  child.once('error', (err) => (exit = `could not start (${node}): ${err.message}`));
  const pid = child.pid;

  const budget = options.readyTimeoutMs + START_GRACE_MS;
  const deadline = Date.now() + budget;
  for (;;) {
    if (exit !== undefined) throw errors.daemonFailed(`the daemon (pid ${pid ?? 'none'}) ${exit} before its cluster was ready. ${fromLog(logFile, offset)}`);
    if (pid !== undefined && (await readyMaster(options.control)) === pid) return pid;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw errors.daemonFailed(`the daemon (pid ${pid}) had no ready cluster within ${budget}ms (--ready-timeout + ${START_GRACE_MS}ms); it was sent SIGTERM. ${fromLog(logFile, offset)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The pid of the master on `control` once its first workers are ready. */
async function readyMaster(control: string): Promise<number | undefined> {
  try {
    const status = await request(control, 'status');
    return status.generation >= 1 ? status.pid : undefined;
  } catch {
    return undefined;
  }
}

/** What the daemon wrote to its log since it started: the last lines, as the reason. */
function fromLog(file: string, offset: number): string {
  let text = '';
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(offset, size - 64 * 1024);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return `Its log file ${file} cannot be read.`;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length === 0) return `It wrote nothing to its log file ${file}.`;
  // The CLI's own last words ("baton: <why>") are the reason; else the log's last lines.
  const last = lines.map((l) => l.startsWith('baton: ')).lastIndexOf(true);
  const reason = last === -1 ? lines.slice(-REASON_LINES) : lines.slice(last, last + REASON_LINES);
  return `Its log (${file}) says:\n${reason.map((l) => `  | ${l}`).join('\n')}`;
}
