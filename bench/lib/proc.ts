// Processes the benchmark starts, and how it makes sure none outlive it: every one gets
// BATON_BENCH_RUN=<run id> in its environment (children inherit it, including baton's
// successor masters and PM2's daemon), and teardown kills by pid every process that
// carries this run's id: SIGTERM, then SIGKILL.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { delay } from '../../test/support/cluster.js';
import { identify, terminate } from '../../src/procfs.js';
import type { Proc } from '../../src/procfs.js';
import { get } from './request.js';

/** This run's marker, set in the environment of every process the benchmark starts. */
export const RUN_ID = `${process.pid}-${Date.now()}`;
export const RUN_ENV = { BATON_BENCH_RUN: RUN_ID };

/** Pids of live processes whose environment carries this run's marker. */
export function runProcesses(): number[] {
  const marker = `BATON_BENCH_RUN=${RUN_ID}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** SIGTERM to each pid, SIGKILL to those still alive after graceMs. */
export async function killPids(pids: readonly number[], graceMs = 3000): Promise<void> {
  await terminate(pids.map(identify).filter((p): p is Proc => p !== undefined), graceMs);
}

/** Kills every process left from this run (the last line of every teardown). */
export async function sweep(): Promise<number[]> {
  const left = runProcesses();
  await killPids(left);
  return left;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, SIGKILLed past timeoutMs. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env, ...RUN_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => (stderr += `${err.message}\n`));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when GET /fast on a new connection answers 200 within timeoutMs. */
export async function probe(port: number, timeoutMs = 2000): Promise<boolean> {
  return (await get({ port, path: '/fast', agent: false, timeoutMs })).ok;
}

/** Polls probe() until the port serves, or throws after timeoutMs. */
export async function waitServing(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe(port))) {
    if (Date.now() > deadline) throw new Error(`nothing serves 127.0.0.1:${port} after ${timeoutMs}ms`);
    await delay(100);
  }
}

/** Resident memory of a process in KiB (VmRSS), or null when it is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Inodes of the TCP sockets in ESTABLISHED state whose local port is `port`: the
 * connections clients have open to a server on that port. Read from this process's
 * network namespace, which the servers the benchmark starts share.
 */
export function establishedInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (local === undefined || inode === undefined || fields[3] !== '01') continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
    }
  }
  return inodes;
}

/**
 * Open fds of a process, leaving out the sockets in `exclude` (inodes, as from
 * establishedInodes()); undefined when the process is gone.
 */
export function fdCount(pid: number, exclude: ReadonlySet<string> = new Set()): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  let count = 0;
  for (const fd of entries) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket && exclude.has(socket[1]!)) continue;
    count++;
  }
  return count;
}
