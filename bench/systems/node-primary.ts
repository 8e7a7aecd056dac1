// A minimal node:cluster primary, the kind people write by hand, for comparison:
// WORKERS workers run APP; a crashed worker is replaced; a {cmd:'reload'} message
// replaces the workers one at a time (fork the new one, wait for 'listening', then
// disconnect the old one and SIGKILL it if it has not exited within DRAIN_MS); SIGTERM
// disconnects every worker the same way and exits. Scheduling is node's default (round
// robin on Linux) unless NODE_CLUSTER_SCHED_POLICY says otherwise.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

const count = Number(process.env.BENCH_WORKERS ?? 2);
const drainMs = Number(process.env.BENCH_DRAIN_MS ?? 5000);
const send = (message: object) => process.send?.(message);

cluster.setupPrimary({ exec: process.env.BENCH_APP });
const live = new Set<Worker>();
let stopping = false;

/** Forks a worker and resolves once it listens (rejects if it exits or takes 10 s). */
function fork(): Promise<Worker> {
  const worker = cluster.fork();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${worker.process.pid} not listening after 10s`)), 10_000);
    worker.once('listening', () => {
      clearTimeout(timer);
      live.add(worker);
      resolve(worker);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before listening`));
    });
  });
}

/** Disconnects a worker (it stops accepting, finishes its connections), SIGKILL past DRAIN_MS. */
function retire(worker: Worker): Promise<void> {
  live.delete(worker);
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), drainMs);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.disconnect();
  });
}

cluster.on('exit', (worker) => {
  if (live.delete(worker) && !stopping) void fork().catch(() => undefined); // crashed: replace it
});

process.on('message', async (message: { cmd?: string; id?: number }) => {
  if (message.cmd !== 'reload') return;
  const started = Date.now();
  try {
    for (const old of [...live]) {
      await fork();
      await retire(old);
    }
    send({ id: message.id, ok: true, detail: `reloaded in ${Date.now() - started}ms`, pids: pids() });
  } catch (err) {
    send({ id: message.id, ok: false, detail: (err as Error).message, pids: pids() });
  }
});

process.on('SIGTERM', async () => {
  stopping = true;
  await Promise.all([...live].map(retire));
  process.exit(0);
});

function pids(): number[] {
  return [...live].flatMap((w) => (w.process.pid === undefined ? [] : [w.process.pid]));
}

await Promise.all(Array.from({ length: count }, fork));
send({ ready: true, pids: pids() });
