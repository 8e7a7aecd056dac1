// Graceful stop: in-flight requests finish before the master exits 0; a worker that
// will not finish is escalated, SIGTERM after the drain-timeout, SIGKILL after that.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, startFixture, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { get } from '../support/http.js';


for (const how of ['baton stop', 'SIGTERM', 'SIGINT'] as const) {
  test(`${how} lets in-flight requests finish, then the master exits 0`, { timeout: 30_000 }, async (t) => {
    const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, env: { SLOW_MS: '1500', LOG_SLOW: '1' } });
    const port = await cluster.port();

    const slow = get(port, '/slow');
    await waitFor('the slow request to reach a worker', () => cluster.output.includes('slow request started'));
    const stopped = how === 'baton stop' ? cluster.cli(['stop']) : Promise.resolve(cluster.child.kill(how));
    const response = await slow;
    const exit = await cluster.exited();
    const cli = await stopped;

    assert.equal(response.status, 200, `the in-flight request finished: ${JSON.stringify(response)}`);
    assert.deepEqual(exit, { code: 0, signal: null }, cluster.output);
    if (typeof cli === 'object') assert.equal(cli.code, 0, cli.stderr);
    assert.match(cluster.output, /stopped: every worker has exited/);
    await assert.rejects(get(port, '/fast'), /ECONNREFUSED/, 'nothing listens after a stop');
  });
}

test('Ctrl-C in a terminal (SIGINT to the whole process group) still lets in-flight requests finish', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, ownGroup: true, env: { SLOW_MS: '1500', LOG_SLOW: '1' } });
  const port = await cluster.port();
  const slow = get(port, '/slow');
  await waitFor('the slow request to reach a worker', () => cluster.output.includes('slow request started'));
  process.kill(-cluster.pid, 'SIGINT');
  assert.equal((await slow).status, 200, 'the in-flight request finished');
  assert.deepEqual(await cluster.exited(), { code: 0, signal: null }, cluster.output);
  assert.doesNotMatch(cluster.output, /killed by SIGINT/);
});

test('a worker that ignores its drain is sent SIGTERM after --drain-timeout, then SIGKILL after --kill-timeout', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const cluster = await Cluster.start({
    app: useFixture(tmp.dir, 'ignores-sigterm.mjs'),
    dir: tmp.dir,
    workers: 1,
    args: ['--drain-timeout', '500ms', '--kill-timeout', '700ms'],
  });
  t.after(() => cluster.destroy());
  const port = await cluster.port();

  const hung = get(port, '/hang').catch((err: Error) => err);
  await waitFor('the hanging request to be accepted', async () => (await cluster.status()).workers.length === 1);
  const started = Date.now();
  const stop = await cluster.cli(['stop']);
  const took = Date.now() - started;

  assert.equal(stop.code, 0, stop.stderr);
  assert.match(cluster.output, /ignoring SIGTERM/);
  assert.match(cluster.output, /was killed by SIGKILL/);
  assert.ok(took >= 1200, `stop waited for both deadlines (took ${took}ms)`);
  assert.ok((await hung) instanceof Error, 'the request that never ended was cut by SIGKILL');
  assert.deepEqual(await cluster.exited(), { code: 0, signal: null });
});

test('a master whose stdout and stderr readers go away keeps serving (EPIPE is not fatal)', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 1 });
  const port = await cluster.port();
  // As when the terminal it was started from closes: every later log write fails.
  cluster.child.stdout!.destroy();
  cluster.child.stderr!.destroy();
  for (let i = 0; i < 2; i++) {
    const reload = await cluster.cli(['reload']);
    assert.equal(reload.code, 0, reload.stderr);
  }
  assert.equal((await get(port, '/fast')).status, 200);
  assert.equal(cluster.child.exitCode, null, 'the master is still running');
});
