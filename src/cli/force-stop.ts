// `baton stop --force`: a graceful stop first; if it does not finish within its
// deadline (or no master answers on the control socket), SIGTERM then SIGKILL the
// master by pid, and then its workers. Nothing is killed without checking first that
// the pid is still a baton master (its command line) and that each worker is the same
// process that was the master's child (its start time), so a reused pid is left alone.
import { readFileSync, unlinkSync } from 'node:fs';
import { commandLine, descendants, identify, stillAlive, terminate } from '../procfs.js';
import { basename } from 'node:path';
import { request } from '../control/client.js';
import { errors } from '../errors.js';
import { answers } from '../probe.js';
import type { StatusSnapshot } from '../protocol/control.js';

const POLL_MS = 50;
/** How long to wait for the control socket to answer "status" before going by the pid file. */
const STATUS_TIMEOUT_MS = 5_000;

export interface ForceStop {
  control: string;
  pidFile: string | undefined;
  /** How long the graceful stop may take. */
  timeoutMs: number;
  /** How long after SIGTERM before SIGKILL. */
  killMs: number;
  args: Record<string, unknown>;
}

/** Stops the master, escalating; resolves with the line to print. */
export async function forceStop(stop: ForceStop): Promise<string> {
  const status: StatusSnapshot | undefined = await within(request(stop.control, 'status'), STATUS_TIMEOUT_MS).catch(() => undefined);
  const pid = status?.pid ?? pidFromFile(stop.pidFile, stop.control);
  if (status) {
    const graceful = request(stop.control, 'stop', stop.args);
    graceful.catch(() => {}); // Killing the master below closes the connection: expected.
    const stopped = await within(graceful, stop.timeoutMs).then(
      () => true,
      () => false,
    );
    if (stopped && (await gone(pid, stop.killMs))) return `stopped: master ${pid} drained its workers and exited`;
  }
  const master = identify(pid);
  if (!master) return `stopped: master ${pid} is already gone`;
  if (!isBatonMaster(pid)) throw errors.notMaster(pid, commandLine(pid).join(' '));
  const workers = descendants(master);
  const why = status ? `did not stop within ${stop.timeoutMs}ms` : 'does not answer on its control socket';
  const masterSignal = await terminate([master], stop.killMs);
  const left = workers.filter(stillAlive);
  const workerSignal = left.length > 0 ? await terminate(left, stop.killMs) : undefined;
  // A killed master leaves its pid file and control socket behind: clear what is still its.
  if (stop.pidFile) removeIfNames(stop.pidFile, pid);
  if (!(await answers(stop.control))) removeFile(stop.control);
  return forceStopLine(pid, why, masterSignal, workers.length, left.length, workerSignal);
}

/**
 * What stop --force did, in words: the master's end, and then what it did to the
 * `left` of the `found` workers still running once the master was gone.
 */
export function forceStopLine(pid: number, why: string, masterSignal: string, found: number, left: number, workerSignal: string | undefined): string {
  const head = `stopped: master ${pid} ${why}; ended it with ${masterSignal}`;
  if (left === 0) return `${head} (${found === 0 ? 'it had no workers left' : 'its workers had exited by then'})`;
  return `${head}, then ${left === 1 ? 'the worker' : `the ${left} workers`} it left running with ${workerSignal}`;
}

function pidFromFile(pidFile: string | undefined, control: string): number {
  if (!pidFile) throw errors.noMaster(control, 'no answer; give --pid-file to stop the master by its pid');
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8').trim();
  } catch (err) {
    throw errors.noMaster(control, `no answer, and the pid file ${pidFile} cannot be read: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (!/^\d+$/.test(text)) throw errors.noMaster(control, `no answer, and the pid file ${pidFile} holds no pid`);
  return Number(text);
}

/** True if the pid runs baton's CLI as a master ("start" or an upgrade's "__successor"). */
export function isBatonMaster(pid: number): boolean {
  const argv = commandLine(pid);
  return argv.some((arg, i) => (arg.endsWith('/cli/main.js') || arg.endsWith('/cli/baton.cjs') || basename(arg) === 'baton') && ['start', '__successor'].includes(argv[i + 1] ?? ''));
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (identify(pid) && Date.now() < deadline) await pause(POLL_MS);
  return !identify(pid);
}

function removeIfNames(pidFile: string, pid: number): void {
  try {
    if (readFileSync(pidFile, 'utf8').trim() === String(pid)) unlinkSync(pidFile);
  } catch {
    // Already gone.
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms}ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
