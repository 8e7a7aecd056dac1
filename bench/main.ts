// `npm run bench`: baton against plain node:cluster and PM2 cluster mode, same app, same
// load, same machine, same run; writes bench/results/<date>.json, a Markdown report and
// its SVG charts. `--quick` is the one-minute smoke CI runs (written to a temp dir unless
// --out is given). The exit code says whether the harness worked, not how the systems
// did: the findings are in the report and printed at the end.
//   npm run bench [-- --quick] [--workers 2] [--out dir]
//   npm run bench -- --render bench/results/<date>.json   (Markdown and charts again from the data)
import { spawn } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, tempDir } from '../test/support/cluster.js';
import { makePlan, MIXED } from './plan.js';
import { probe, rssKiB, run, sweep } from './lib/proc.js';
import { round } from './lib/stats.js';
import { DIRECT_ACCEPT as SCHED_NONE } from './report/analysis.js';
import { findings, writeReport } from './report/write.js';
import type { BenchReport, MemoryAtRest } from './report/types.js';
import { idleConnections } from './scenarios/idle.js';
import { steady, underEvents } from './scenarios/scenarios.js';
import { spread } from './scenarios/spread.js';
import { loadTrial } from './scenarios/trial.js';
import { startBaton } from './systems/baton.js';
import { startNodeCluster } from './systems/node-cluster.js';
import { pm2Version, startPm2 } from './systems/pm2.js';
import type { System, SystemOptions } from './systems/system.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, workers: { type: 'string', default: '2' }, out: { type: 'string' }, render: { type: 'string' } },
});
if (values.render !== undefined) {
  const report = JSON.parse(readFileSync(values.render, 'utf8')) as BenchReport;
  console.log(`wrote ${writeReport(report, values.out ?? dirname(values.render)).join(', ')}`);
  process.exit(0);
}
if (!/^[1-9]\d{0,2}$/.test(values.workers ?? '')) {
  console.error(`bench: --workers wants a whole number from 1 to 999, not "${values.workers}"`);
  process.exit(2);
}
const plan = makePlan(values.quick === true, Number(values.workers));
const outDir = values.out ?? (plan.quick ? join(tmpdir(), 'baton-bench-quick') : join(ROOT, 'bench', 'results'));

// Scenario 4 holds that many client sockets in this process (and the servers as many).
if (!(await fdLimitEnough(plan.idle.connections * 2 + 1024))) process.exit(await rerunWithMoreFds(plan.idle.connections * 2 + 1024));

const factories: Record<string, (o: SystemOptions) => Promise<System>> = {
  baton: startBaton,
  'node:cluster': (o) => startNodeCluster(o),
  pm2: startPm2,
  [SCHED_NONE]: (o) => startNodeCluster({ ...o, schedNone: true }),
};
const compared = ['baton', 'node:cluster', 'pm2'];
const live = new Map<string, { system: System; remove: () => void }>();
const notes: string[] = [];
const began = performance.now();
// What was built (npm run build, just before this started) is the tree as it is now.
const batonBuilt = await batonVersion();
const log = (line: string) => console.log(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** The running system of that name; one that stopped serving is noted and started afresh. */
async function provide(name: string): Promise<System> {
  const current = live.get(name);
  if (current && (await probe(current.system.port))) return current.system;
  if (current) {
    notes.push(`${name} did not answer before a trial (${((performance.now() - began) / 1000).toFixed(0)}s into the run); it was started afresh.`);
    log(notes.at(-1)!);
    await stop(name);
  }
  const dir = tempDir('baton-bench-');
  try {
    const system = await factories[name]!({ workers: plan.workers, dir: dir.dir });
    live.set(name, { system, remove: dir.remove });
    return system;
  } catch (err) {
    dir.remove();
    throw err;
  }
}

async function stop(name: string): Promise<void> {
  const entry = live.get(name);
  live.delete(name);
  if (!entry) return;
  await entry.system.destroy().catch((err: Error) => log(`stopping ${name}: ${err.message}`));
  entry.remove();
}

async function teardown(): Promise<void> {
  for (const name of [...live.keys()]) await stop(name);
  const left = await sweep();
  if (left.length > 0) log(`killed ${left.length} leftover processes: ${left.join(' ')}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void teardown().finally(() => process.exit(130));
  });
}

let exitCode = 0;
try {
  log(`${plan.quick ? 'quick smoke' : 'full run'}: ${compared.join(', ')} (+ ${SCHED_NONE} in scenario 1), ${plan.workers} workers each`);
  const loadAtStart = loadavg();
  const memoryAtRest = await restingMemory([...compared, SCHED_NONE]);
  // Warms up the load client itself (and every system) before anything is measured.
  for (const name of [...compared, SCHED_NONE]) await loadTrial(await provide(name), 0, { mix: MIXED, durationMs: plan.warmupMs * 2 });
  const replaceMasterHow = Object.fromEntries([...live.values()].map(({ system }) => [system.name, system.replaceMasterHow]));
  const steadyResults = await steady([...compared, SCHED_NONE], plan.steady, plan.warmupMs, provide, log);
  await stop(SCHED_NONE);
  const reload = await underEvents('reload', compared, plan.reload, provide, log);
  const reloadUploads = await underEvents('reload', compared, plan.reloadUploads, provide, log);
  const master = await underEvents('master', compared, plan.master, provide, log);
  const idle = await idleConnections(compared, plan.idle, provide, log);
  for (const name of [...live.keys()]) await stop(name);
  const spreadTrials = await spread([...compared, SCHED_NONE], plan.spread, (name, options) => factories[name]!(options), log);
  const report: BenchReport = {
    version: 1,
    date: new Date().toISOString(),
    mode: plan.quick ? 'quick' : 'full',
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart: loadAtStart.map(round),
      loadAverageAtEnd: loadavg().map(round),
      extraCaCerts: process.env.NODE_EXTRA_CA_CERTS !== undefined,
    },
    versions: { baton: batonBuilt, pm2: pm2Version() },
    plan,
    replaceMasterHow,
    durationMs: round(performance.now() - began),
    memoryAtRest,
    steady: steadyResults,
    reload,
    reloadUploads,
    master,
    idle,
    spread: spreadTrials,
    notes,
  };
  const written = writeReport(report, outDir);
  log(`wrote ${written.join(', ')}`);
  console.log(['', `targets for baton (${report.mode} run):`, ...findings(report).map((l) => `  ${l}`), ...notes.map((n) => `  note: ${n}`)].join('\n'));
} catch (err) {
  console.error(`bench: harness error: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  await teardown();
}
process.exit(exitCode);

/** Master (and whole-cluster) RSS of each freshly started system, before any load. */
async function restingMemory(names: readonly string[]): Promise<MemoryAtRest[]> {
  const systems = [];
  for (const name of names) systems.push(await provide(name));
  await new Promise((r) => setTimeout(r, 1000));
  return systems.map((s) => {
    const mib = (pid: number) => (rssKiB(pid) ?? 0) / 1024;
    const master = mib(s.masterPid());
    return { system: s.name, masterMiB: round(master), clusterMiB: round(master + s.workerPids().reduce((sum, pid) => sum + mib(pid), 0)) };
  });
}

async function batonVersion(): Promise<string> {
  const git = await run('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { timeoutMs: 10_000 });
  return git.code === 0 ? git.stdout.trim() : 'unknown';
}

async function fdLimitEnough(needed: number): Promise<boolean> {
  const limit = (await run('sh', ['-c', 'ulimit -n'], { timeoutMs: 10_000 })).stdout.trim();
  return limit === 'unlimited' || Number(limit) >= needed;
}

/** Runs this same command again under `ulimit -n needed` (once), and returns its exit code. */
function rerunWithMoreFds(needed: number): Promise<number> {
  if (process.env.BATON_BENCH_FDS_RAISED) {
    console.error(`bench: needs ${needed} open files (ulimit -n) and could not raise the limit`);
    return Promise.resolve(1);
  }
  const args = [...process.execArgv, ...process.argv.slice(1)];
  const raise = `ulimit -n ${needed} 2>/dev/null || { echo "bench: needs ${needed} open files and cannot raise ulimit -n" >&2; exit 1; }`;
  const child = spawn('/bin/sh', ['-c', `${raise}; exec "$0" "$@"`, process.execPath, ...args], {
    stdio: 'inherit',
    env: { ...process.env, BATON_BENCH_FDS_RAISED: '1' },
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
