// A deployed release is a contract: during `baton upgrade` the old master spawns the new
// code (0.1.0: `node <its dist/src/cli/main.js> __successor`, BATON_HANDOVER in the
// environment, the listening fds from stdio index 4). A user who writes this build over
// an installed 0.1.0 and runs `baton upgrade` gets a 0.1.0 master starting this build's
// successor: that must fail no request, and a broken app must leave 0.1.0 serving.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, FIXTURES, isAlive, useFixture, waitFor } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Load } from '../support/load.js';
import { RELEASES, deployCurrentBuild, installRelease } from '../support/release.js';
import type { Installed } from '../support/release.js';

const RELEASE = join(RELEASES, 'baton-0.1.0.tgz');

type Hooks = { after: (fn: () => unknown) => void };

/** An installed 0.1.0 with the fixture app beside it, and a master of 0.1.0's own CLI on it. */
async function start010(t: Hooks): Promise<{ release: Installed; app: string; cluster: Cluster }> {
  const release = installRelease(t, RELEASE);
  assert.equal(release.version, '0.1.0');
  const app = useFixture(release.dir, 'app.mjs');
  const cluster = await Cluster.start({ cli: release.cli, app, dir: release.dir, workers: 2 });
  // The teardown kills every master and worker the log named too (Cluster.destroy),
  // so a successor started by an upgrade that never answered is killed as well.
  t.after(() => cluster.destroy());
  return { release, app, cluster };
}

function mixedLoad(t: Hooks, port: number): Load {
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 4, sparse: 4, fresh: 3, slowEvery: 5, maxDurationMs: 90_000, maxRequests: 2_000_000 });
  // Ends the load even when the test fails half-way (stop() is idempotent).
  t.after(() => load.stop());
  return load;
}

/** The command line of a live process, as its arguments. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

test('a 0.1.0 master reloads onto this build deployed in place, then upgrades to it three times in a row, under load with no failed request', { timeout: 120_000 }, async (t) => {
  const { release, cluster } = await start010(t);
  const port = await cluster.port();
  const first = await cluster.status();
  assert.deepEqual(commandLine(first.pid).slice(1, 3), [release.cli, 'start'], 'the first master runs the installed 0.1.0');

  const load = mixedLoad(t, port);
  await waitFor('traffic to flow', () => load.okCount() > 100);
  const masters = [first.pid];
  const workersSeen = new Set(first.workers.map((w) => w.pid!));
  deployCurrentBuild(release);
  assert.ok(existsSync(join(release.packageDir, 'dist', 'src', 'protocol', 'handover.js')), 'the installed package is this build now');
  assert.ok(!existsSync(join(release.packageDir, 'dist', 'src', 'master', 'handover.js')), 'and no longer 0.1.0');

  // Until it is upgraded, the 0.1.0 master starts its workers with the worker runtime on
  // disk, which is this build's now: a reload (or a crash respawn) must still work.
  const reload = await cluster.cli(['reload']);
  assert.equal(reload.code, 0, `a reload by the 0.1.0 master after the deploy failed:\n${reload.stderr}\n${cluster.output.slice(-3000)}`);
  const reloaded = await cluster.status();
  assert.equal(reloaded.pid, first.pid);
  for (const w of reloaded.workers) workersSeen.add(w.pid!);
  const afterReload = load.now();
  await waitFor('traffic on the reloaded workers', () => load.okSince(afterReload, (s) => reloaded.workers.some((w) => w.pid === s.pid)) > 100);

  for (let i = 1; i <= 3; i++) {
    const previous = masters.at(-1)!;
    const result = await cluster.cli(['upgrade']);
    cluster.trackLogged();
    assert.equal(result.code, 0, `upgrade ${i} failed:\n${result.stderr}\n${cluster.output.slice(-3000)}`);
    const status = await cluster.status();
    assert.ok(!masters.includes(status.pid), `upgrade ${i} made a new master process`);
    assert.match(result.stdout, new RegExp(`upgraded: master ${previous} → ${status.pid}`));
    assert.deepEqual(commandLine(status.pid).slice(1), [release.cli, '__successor'], 'the new master is the deployed build, started by the old one');
    assert.deepEqual(status.listeners, first.listeners, 'the same sockets');
    await waitFor(`old master ${previous} to exit`, () => !isAlive(previous));
    masters.push(status.pid);
    const newWorkers = new Set(status.workers.map((w) => w.pid!));
    for (const pid of newWorkers) workersSeen.add(pid);
    const upgraded = load.now();
    await waitFor(`traffic on master ${status.pid}'s workers`, () => load.okSince(upgraded, (s) => newWorkers.has(s.pid!)) > 100);
  }
  assert.deepEqual(await cluster.exited(), { code: 0, signal: null }, 'the 0.1.0 master exited cleanly after its successor took over');

  const final = await cluster.status();
  const afterLast = load.now();
  await waitFor('traffic after the last upgrade', () => load.okSince(afterLast) > 300);
  const report = await load.stop();

  assert.equal(report.failed, 0, `failed requests during upgrades from 0.1.0:\n${describeLoad(report)}`);
  assert.equal(final.pid, masters.at(-1));
  assert.equal(final.generation, 5, 'generations carry on from 0.1.0 through a reload and three handovers');
  const newest = new Set(final.workers.map((w) => w.pid));
  const late = report.samples.filter((s) => s.start > afterLast);
  const stale = late.filter((s) => !newest.has(s.pid!));
  assert.equal(stale.length, 0, `responses after the last upgrade from old workers: ${JSON.stringify(stale.slice(0, 3))}`);
  const oldMasters = masters.slice(0, -1).filter(isAlive);
  assert.deepEqual(oldMasters, [], 'every old master is gone');
  const oldWorkers = [...workersSeen].filter((pid) => !newest.has(pid));
  await waitFor(`the old workers (${oldWorkers.join(', ')}) to be gone`, () => oldWorkers.every((pid) => !isAlive(pid)));
});

test('a broken app fails the upgrade from 0.1.0 to this build, and the 0.1.0 master keeps serving with its workers', { timeout: 90_000 }, async (t) => {
  const { release, app, cluster } = await start010(t);
  const port = await cluster.port();
  const before = await cluster.status();
  const load = mixedLoad(t, port);
  await waitFor('traffic to flow', () => load.okCount() > 100);

  deployCurrentBuild(release);
  copyFileSync(join(FIXTURES, 'crash-on-boot.mjs'), app);
  const outputBefore = cluster.output.length;
  const broken = await cluster.cli(['upgrade']);
  cluster.trackLogged();
  copyFileSync(join(FIXTURES, 'app.mjs'), app);
  assert.equal(broken.code, 1, `the upgrade should fail:\n${broken.stdout}${broken.stderr}`);
  assert.match(broken.stderr, /the new master failed: the cluster did not start: .*exited with code 1 before it was ready/);
  assert.match(broken.stderr, /boom: DATABASE_URL is not set/);
  const successor = Number(/upgrade: started new master (\d+)/.exec(cluster.output.slice(outputBefore))?.[1]);
  assert.ok(successor > 0, `the 0.1.0 master logged the successor it started:\n${cluster.output.slice(outputBefore)}`);
  const successorWorkers = [...cluster.output.slice(outputBefore).matchAll(/worker \d+ started \(pid (\d+)/g)].map((m) => Number(m[1]));
  await waitFor(`the failed successor ${successor} and its workers (${successorWorkers.join(', ')}) to be gone`, () => [successor, ...successorWorkers].every((pid) => !isAlive(pid)));

  const failed = load.now();
  await waitFor('traffic after the failed upgrade', () => load.okSince(failed) > 300);
  const report = await load.stop();
  const after = await cluster.status();
  assert.equal(report.failed, 0, `failed requests during a failed upgrade from 0.1.0:\n${describeLoad(report)}`);
  assert.equal(after.pid, before.pid, 'the 0.1.0 master still runs');
  assert.equal(after.lastUpgrade?.ok, false);
  assert.deepEqual(
    after.workers.map((w) => [w.pid, w.state]).sort(),
    before.workers.map((w) => [w.pid, 'ready']).sort(),
    'with its original workers, all ready',
  );
  const late = report.samples.filter((s) => s.start > failed);
  const elsewhere = late.filter((s) => !before.workers.some((w) => w.pid === s.pid));
  assert.equal(elsewhere.length, 0, `responses after the failure from other workers: ${JSON.stringify(elsewhere.slice(0, 3))}`);

  // With the app fixed, the same 0.1.0 master upgrades.
  const fixed = await cluster.cli(['upgrade']);
  cluster.trackLogged();
  assert.equal(fixed.code, 0, `${fixed.stderr}\n${cluster.output.slice(-3000)}`);
  assert.notEqual((await cluster.status()).pid, before.pid);
});
