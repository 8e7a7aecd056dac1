// A master in the foreground of a terminal (a pseudo-terminal from util-linux's
// `script`, its own session and process group, as a shell runs a foreground job) keeps
// the terminal through upgrades: the process the shell waits for stays as its keeper,
// Ctrl-C and SIGTERM to it stop the live master, and it exits 0 once that is gone.
// Without a terminal, an old master exits as soon as it has handed over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { identify, isAlive, signal } from '../../src/procfs.js';
import { Cluster, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';

const KEEPING = /master (\d+) handed over to (\d+) and stays in the foreground to keep this terminal/;

/** A master started in a pseudo-terminal, with one worker; torn down after the test. */
async function inTerminal(t: { after: (fn: () => unknown) => void }): Promise<{ cluster: Cluster; keeper: number }> {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (script.error) assert.fail(`these tests run the master in a pseudo-terminal with util-linux's "script" (Debian: bsdutils), which cannot run here: ${script.error.message}`);
  const tmp = tempDir();
  t.after(tmp.remove);
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1, pty: true });
  t.after(() => cluster.destroy());
  return { cluster, keeper: (await cluster.status()).pid };
}

/** `baton upgrade`, then the new master's pid (remembered for teardown). */
async function upgrade(cluster: Cluster): Promise<number> {
  const result = await cluster.cli(['upgrade']);
  assert.equal(result.code, 0, result.stderr);
  const pid = (await cluster.status()).pid;
  cluster.track([pid], true);
  return pid;
}

test('after upgrades, Ctrl-C in the terminal still stops the service, and the terminal is given back', { timeout: 60_000 }, async (t) => {
  const { cluster, keeper } = await inTerminal(t);
  const first = await upgrade(cluster);
  const line = await waitFor('the old master to keep the terminal', () => KEEPING.exec(cluster.output));
  assert.deepEqual([Number(line[1]), Number(line[2])], [keeper, first]);
  const second = await upgrade(cluster);
  // The first successor handed over too, but it was never the terminal's: it exits.
  await waitFor('the first successor to exit', () => !isAlive(first));
  assert.ok(isAlive(keeper), 'the keeper still holds the terminal');
  assert.equal((await getJson(await cluster.port())).generation, '3');
  const workers = (await cluster.status()).workers.map((w) => w.pid!);

  cluster.interrupt();
  const exit = await cluster.exited();
  assert.equal(exit.code, 0, cluster.output);
  assert.ok(!isAlive(second), 'the live master stopped');
  assert.ok(!isAlive(keeper));
  assert.ok(workers.every((pid) => !isAlive(pid)), 'its workers drained');
  assert.match(cluster.output, /keeper: no master serves any more; exiting/);
});

test('SIGTERM to the keeper stops the live master; a stop from elsewhere ends the keeper too', { timeout: 60_000 }, async (t) => {
  const a = await inTerminal(t);
  const live = await upgrade(a.cluster);
  await waitFor('the old master to keep the terminal', () => KEEPING.test(a.cluster.output));
  signal(identify(a.keeper)!, 'SIGTERM');
  assert.equal((await a.cluster.exited()).code, 0, a.cluster.output);
  assert.ok(!isAlive(live));
  assert.match(a.cluster.output, new RegExp(`keeper: SIGTERM: asking the live master to stop[\\s\\S]*keeper: master ${live} has stopped`));

  const b = await inTerminal(t);
  await upgrade(b.cluster);
  await waitFor('the old master to keep the terminal', () => KEEPING.test(b.cluster.output));
  const stop = await b.cluster.cli(['stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal((await b.cluster.exited()).code, 0, b.cluster.output);
  assert.ok(!isAlive(b.keeper));
});

test('without a terminal, the old master exits once it has handed over', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1 });
  t.after(() => cluster.destroy());
  await upgrade(cluster);
  assert.equal((await cluster.exited()).code, 0, cluster.output);
  assert.doesNotMatch(cluster.output, /keep this terminal/);
});
