// Listener forms and worker options: unix sockets, IPv6, one port on two addresses,
// Node flags and app arguments for workers, and explicit readiness with ready().
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, ROOT, freePort, runCli, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { get, getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Target } from '../support/load.js';


test('one app server is fed by a unix socket, IPv4 and IPv6 listeners, and they survive reloads and upgrades', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const port = await freePort();
  const socketPath = join(tmp.dir, 'app.sock');
  const cluster = await Cluster.start({
    app: useFixture(tmp.dir, 'two-servers.mjs'),
    dir: tmp.dir,
    listen: [`127.0.0.1:${port}`, `[::1]:${port}`, socketPath],
    env: { APP_SOCKET: socketPath },
  });
  t.after(() => cluster.destroy());
  const status = await cluster.status();
  assert.deepEqual(status.listeners, [`127.0.0.1:${port}`, `[::1]:${port}`, socketPath]);

  const targets: Target[] = [{ host: '127.0.0.1', port }, { host: '::1', port }, { socketPath }];
  assert.equal((await getJson(targets[0]!)).server, 'tcp');
  assert.equal((await getJson(targets[1]!)).server, 'tcp');
  assert.equal((await getJson(targets[2]!)).server, 'unix');

  const loads = targets.map((target) => startLoad({ target, keepAlive: 2, sparse: 2, fresh: 1, slowEvery: 5, maxDurationMs: 30_000 }));
  for (const command of ['reload', 'upgrade', 'reload', 'upgrade']) {
    const result = await cluster.cli([command]);
    assert.equal(result.code, 0, `${command}: ${result.stderr}`);
    if (command === 'upgrade') cluster.track([(await cluster.status()).pid], true);
  }
  const reports = await Promise.all(loads.map((l) => l.stop()));
  reports.forEach((report, i) => {
    assert.equal(report.failed, 0, `${JSON.stringify(targets[i])}:\n${describeLoad(report)}`);
    assert.ok(report.ok > 20, describeLoad(report));
  });
  for (const target of targets) assert.equal((await getJson(target)).generation, '5');
});

test('workers get --node-arg flags, app arguments after --, PORT, BATON_WORKER_ID and BATON_GENERATION', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const cluster = await Cluster.start({
    app: useFixture(tmp.dir, 'app.mjs'),
    dir: tmp.dir,
    workers: 1,
    args: ['--node-arg=--max-http-header-size=32768', '--node-arg=--no-warnings', '--', '--mode', 'blue'],
  });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  const body = await getJson(port, '/info');
  assert.ok((body.execArgv as string[]).includes('--max-http-header-size=32768'), JSON.stringify(body));
  assert.ok((body.execArgv as string[]).includes('--no-warnings'), JSON.stringify(body));
  assert.deepEqual(body.argv, ['--mode', 'blue']);
  const worker = (await cluster.status()).workers[0]!;
  // The bootstrap variable is the runtime's alone: the app does not see it.
  assert.deepEqual(body.env, { PORT: String(port), BATON_WORKER_ID: String(worker.id), BATON_GENERATION: '1' });
  assert.equal((await cluster.cli(['reload'])).code, 0);
  const reloaded = await getJson(port, '/info');
  assert.deepEqual(reloaded.env, { PORT: String(port), BATON_WORKER_ID: String((await cluster.status()).workers[0]!.id), BATON_GENERATION: '2' });
  assert.notEqual((reloaded.env as Record<string, string>).BATON_WORKER_ID, String(worker.id), 'a new worker, a new id');
});

test('at first start a connection is refused until the first worker listens', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const delayFile = join(tmp.dir, 'boot-delay');
  writeFileSync(delayFile, '1500');
  const port = await freePort();
  const cluster = Cluster.launch({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1, listen: [`127.0.0.1:${port}`], env: { BOOT_DELAY_FILE: delayFile } });
  t.after(() => cluster.destroy());
  // The master has bound the port (it says so) but never calls listen(2) itself.
  await waitFor('the master to bind its listener', () => cluster.output.includes(`listening on 127.0.0.1:${port}`));
  await assert.rejects(get(port), { code: 'ECONNREFUSED' });
  await cluster.ready();
  assert.equal((await get(port)).status, 200);
});

test('with --wait-ready a worker serves only after the app calls ready()', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  // The app imports baton-supervisor/worker as an installed package.
  mkdirSync(join(tmp.dir, 'node_modules'));
  symlinkSync(ROOT, join(tmp.dir, 'node_modules', 'baton-supervisor'));
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'wait-ready.mjs'), dir: tmp.dir, workers: 2, args: ['--wait-ready'] });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, fresh: 2, maxDurationMs: 20_000 });
  const reload = await cluster.cli(['reload']);
  const report = await load.stop();
  assert.equal(reload.code, 0, reload.stderr);
  // The app answers 503 until its warm-up is done: any 503 means it got traffic too early.
  assert.equal(report.failed, 0, describeLoad(report));
  const readyLines = cluster.output.split('\n').filter((l) => /warm-up done|listen callback ran/.test(l));
  // For every worker, the listen callback runs only once ready() has been called.
  for (const worker of new Set(readyLines.map((l) => /\[worker (\d+)/.exec(l)?.[1]))) {
    const mine = readyLines.filter((l) => l.includes(`[worker ${worker} `));
    assert.match(mine[0]!, /warm-up done/, mine.join('\n'));
  }
});

test('an app that never listens on one of the listeners fails start, and the message names that listener', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const socketPath = join(tmp.dir, 'app.sock');
  // app.mjs listens on PORT only.
  const app = useFixture(tmp.dir, 'app.mjs');
  const args = ['start', app, '--workers', '1', '--listen', '127.0.0.1:0', '--listen', socketPath, '--ready-timeout', '1s', '--control', join(tmp.dir, 'c.sock')];
  const result = await runCli(args, { cwd: tmp.dir, timeoutMs: 20_000 });
  assert.equal(result.code, 1, result.stderr);
  const port = /listening on 127\.0\.0\.1:(\d+)/.exec(result.stderr)?.[1];
  assert.ok(port, result.stderr);
  const escaped = socketPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  assert.match(
    result.stderr,
    new RegExp(`baton: the cluster did not start: worker 1 \\(generation 1\\) was not ready within 1000ms \\(--ready-timeout\\): the app listens on 127\\.0\\.0\\.1:${port} but never on ${escaped}\\. .*make the app also call server\\.listen\\("${escaped}"\\), or remove that listener from --listen`),
  );
});
