// `npm run soak`: baton under mixed load (keep-alive, sparse keep-alive, new-connection
// and 64 KB upload clients) with a reload every 10 s and a master upgrade every 60 s, for
// 30 minutes (--minutes N). It samples the master's and the workers' memory and open
// fds after every operation and between them, and writes a report: failed requests
// (must be 0), memory and fds over time with their slope per reload and per upgrade,
// and the processes left after the stop (must be none). The exit code is 0 only when
// every verdict holds, so CI's 1-minute run (--minutes 1 --upgrade-every 30) fails on
// a leak or a failure.
//   npm run soak [-- --minutes 30] [--workers 2] [--out dir]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster, delay, ROOT, tempDir, useFixture } from '../../test/support/cluster.js';
import { startLoad } from '../lib/load.js';
import { establishedInodes, fdCount, rssKiB, RUN_ENV, runProcesses, sweep } from '../lib/proc.js';
import { summarise } from '../lib/stats.js';
import { judge, writeSoakReport } from './report.js';
import type { Sample, SoakReport } from './report.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    workers: { type: 'string', default: '2' },
    out: { type: 'string' },
    'reload-every': { type: 'string', default: '10' },
    'upgrade-every': { type: 'string', default: '60' },
  },
});
const number = (name: string, text: string | undefined, min: number) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    console.error(`soak: --${name} wants a number of at least ${min}, not "${text}"`);
    process.exit(2);
  }
  return n;
};
const minutes = number('minutes', values.minutes, 0.5);
const workers = number('workers', values.workers, 1);
const reloadEveryMs = number('reload-every', values['reload-every'], 1) * 1000;
const upgradeEveryMs = number('upgrade-every', values['upgrade-every'], 5) * 1000;
const outDir = values.out ?? (minutes < 10 ? join(tmpdir(), 'baton-soak') : join(ROOT, 'bench', 'results'));
const durationMs = minutes * 60_000;
const began = performance.now();
const log = (line: string) => console.log(`[soak ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

const tmp = tempDir('baton-soak-');
const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers, env: RUN_ENV, args: ['--drain-timeout', '10s'] });
const samples: Sample[] = [];
let reloads = 0;
let upgrades = 0;
const operationErrors: string[] = [];

const settleMs = Math.max(1000, Math.min(reloadEveryMs - 1000, 9000));

/**
 * One sample of the master and its workers, labelled with what just happened. It waits
 * (up to settleMs) for the old workers to finish draining, since each one still holds
 * its pipes to the master, and counts fds without the connections clients have open to
 * the app: what is left is what a master or a worker holds for itself, and must not
 * grow. Each count is the median of three readings 100 ms apart.
 */
async function sample(after: Sample['after']): Promise<void> {
  const deadline = performance.now() + settleMs;
  let status = await cluster.status();
  const unsettled = (s: typeof status) => s.operation !== null || s.workers.some((w) => w.state === 'draining');
  while (unsettled(status) && performance.now() < deadline) {
    await delay(200);
    status = await cluster.status();
  }
  cluster.track([status.pid], true);
  const live = status.workers.filter((w) => w.pid !== null && w.state !== 'draining');
  const readings: Array<{ masterFds: number; workerFds: number }> = [];
  for (let i = 0; i < 3; i++) {
    await delay(100);
    const clients = establishedInodes(port);
    readings.push({
      masterFds: fdCount(status.pid, clients) ?? 0,
      workerFds: live.reduce((sum, w) => sum + (fdCount(w.pid!, clients) ?? 0), 0),
    });
  }
  const median = (pick: (r: (typeof readings)[number]) => number) => readings.map(pick).sort((a, b) => a - b)[1]!;
  samples.push({
    atMs: Math.round(performance.now() - began),
    after,
    reloads,
    upgrades,
    settled: !unsettled(status),
    draining: status.workers.filter((w) => w.state === 'draining').length,
    masterPid: status.pid,
    masterRssKiB: rssKiB(status.pid) ?? 0,
    masterFds: median((r) => r.masterFds),
    workers: live.length,
    workerRssKiB: live.reduce((sum, w) => sum + (rssKiB(w.pid!) ?? 0), 0),
    workerFds: median((r) => r.workerFds),
    processes: runProcesses().length,
  });
}

const port = await cluster.port();
log(`baton ${cluster.pid} on port ${port}, ${workers} workers; ${minutes} minutes, a reload every ${reloadEveryMs / 1000}s, an upgrade every ${upgradeEveryMs / 1000}s`);
const loadStart = performance.now();
const load = startLoad({ port, mix: { keepalive: 4, sparse: 4, fresh: 2, upload: 2, slowEvery: 10 }, maxDurationMs: durationMs + 60_000, maxRequests: 50_000_000 });
await sample('start');
const end = began + durationMs;
let nextUpgrade = began + upgradeEveryMs;
try {
  while (performance.now() + reloadEveryMs <= end) {
    await new Promise((resolve) => setTimeout(resolve, reloadEveryMs));
    const upgrade = performance.now() >= nextUpgrade;
    const args = upgrade ? ['upgrade'] : ['reload'];
    const result = await cluster.cli(args, 120_000);
    if (result.code !== 0) operationErrors.push(`${args[0]} at ${Math.round((performance.now() - began) / 1000)}s: ${result.stderr.trim()}`);
    if (upgrade) {
      upgrades++;
      nextUpgrade += upgradeEveryMs;
    } else reloads++;
    await sample(upgrade ? 'upgrade' : 'reload');
    if ((reloads + upgrades) % 10 === 0) log(`${reloads} reloads, ${upgrades} upgrades, ${load.okCount()} requests served`);
  }
} finally {
  const records = await load.stop();
  const loadEnd = performance.now();
  await sample('end');
  const stop = await cluster.cli(['stop'], 60_000);
  if (stop.code !== 0) operationErrors.push(`stop: ${stop.stderr.trim()}`);
  await cluster.exited();
  // Old masters draining in the background exit on their own: give them their drain deadline.
  const deadline = Date.now() + 15_000;
  while (runProcesses().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const leftover = runProcesses();
  await sweep();
  await cluster.destroy();
  tmp.remove();
  const report: SoakReport = {
    date: new Date().toISOString(),
    minutes,
    workers,
    reloadEveryMs,
    upgradeEveryMs,
    node: process.version,
    load: summarise(records, loadStart, loadEnd),
    reloads,
    upgrades,
    operationErrors,
    samples,
    leftover,
    verdicts: [],
  };
  report.verdicts = judge(report);
  const files = writeSoakReport(report, outDir);
  for (const v of report.verdicts) log(`${v.ok ? 'ok  ' : 'FAIL'} ${v.what}: ${v.detail}`);
  log(`wrote ${files.join(', ')}`);
  process.exitCode = report.verdicts.every((v) => v.ok) ? 0 : 1;
}
