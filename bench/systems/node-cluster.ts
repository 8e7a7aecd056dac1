// node:cluster, through the minimal primary in node-primary.ts. It has no way to hand
// its listening socket to a new primary, so "replacing the master" is what its users do:
// stop the primary (gracefully) and start a new one.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../test/support/cluster.js';
import { freePort, killPids, RUN_ENV } from '../lib/proc.js';
import { APP } from './system.js';
import type { System, SystemOptions } from './system.js';

const PRIMARY = join(ROOT, 'dist', 'bench', 'systems', 'node-primary.js');
const DRAIN_MS = 5000;

interface Reply {
  id?: number;
  ready?: boolean;
  ok?: boolean;
  detail?: string;
  pids: number[];
}

/** Starts the primary; `schedNone` sets NODE_CLUSTER_SCHED_POLICY=none (workers accept themselves). */
export async function startNodeCluster(options: SystemOptions & { schedNone?: boolean }): Promise<System> {
  const port = await freePort();
  const env = {
    ...process.env,
    ...RUN_ENV,
    PORT: String(port),
    BENCH_APP: APP,
    BENCH_WORKERS: String(options.workers),
    BENCH_DRAIN_MS: String(DRAIN_MS),
    NODE_CLUSTER_SCHED_POLICY: options.schedNone ? 'none' : 'rr',
  };
  const seen = new Set<number>();
  let primary: ChildProcess;
  let workers: number[] = [];
  let nextId = 1;

  const reply = (child: ChildProcess, match: (r: Reply) => boolean, timeoutMs: number): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no answer from the node:cluster primary within ${timeoutMs}ms`)), timeoutMs);
      const onMessage = (r: Reply) => match(r) && done(undefined, r);
      const onExit = (code: number | null) => done(new Error(`node:cluster primary exited (${code})`));
      const done = (err?: Error, r?: Reply) => {
        clearTimeout(timer);
        child.off('message', onMessage).off('exit', onExit);
        if (err) reject(err);
        else {
          workers = r!.pids;
          for (const pid of workers) seen.add(pid);
          resolve(r!);
        }
      };
      child.on('message', onMessage).on('exit', onExit);
    });

  const launch = async () => {
    const child = fork(PRIMARY, [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    if (child.pid !== undefined) seen.add(child.pid);
    await reply(child, (r) => r.ready === true, 20_000);
    primary = child;
  };
  const stopPrimary = async () => {
    const exited = new Promise((resolve) => (primary.exitCode !== null || primary.signalCode !== null ? resolve(null) : primary.once('exit', resolve)));
    await killPids([primary.pid!], DRAIN_MS + 2000);
    await exited;
  };
  await launch();

  return {
    name: options.schedNone ? 'node:cluster (SCHED_NONE)' : 'node:cluster',
    port,
    replaceMasterHow: `stop the primary (SIGTERM: its workers disconnect, drain up to ${DRAIN_MS / 1000} s), then start a new one: node:cluster cannot hand its socket over`,
    masterPid: () => primary.pid!,
    workerPids: () => workers,
    async refresh() {},
    async reload() {
      const id = nextId++;
      const answer = reply(primary, (r) => r.id === id, 60_000);
      primary.send({ cmd: 'reload', id });
      const r = await answer;
      if (!r.ok) throw new Error(r.detail);
      return r.detail ?? '';
    },
    async replaceMaster() {
      const old = primary.pid;
      await stopPrimary();
      await launch();
      return `primary ${old} stopped, ${primary.pid} started`;
    },
    async destroy() {
      await stopPrimary();
      await killPids([...seen]);
    },
  };
}
