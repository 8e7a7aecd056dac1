// A broken release never takes the service down: the reload fails with the new
// worker's reason and stderr, its workers leave, the old generation keeps serving.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, FIXTURES, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';

const CASES = [
  { fixture: 'crash-on-boot.mjs', reason: /exited with code 1 before it was ready/, stderr: /boom: DATABASE_URL is not set/, slow: false },
  // Takes the whole ready-timeout to fail: long enough to try a second reload meanwhile.
  { fixture: 'never-ready.mjs', reason: /was not ready within 2000ms \(--ready-timeout\)/, stderr: /warming the cache forever/, slow: true },
];

for (const { fixture, reason, stderr, slow } of CASES) {
  test(`a release that is ${fixture.replace('.mjs', '')} fails its reload and the old generation keeps serving`, { timeout: 90_000 }, async (t) => {
    const tmp = tempDir();
    t.after(tmp.remove);
    const app = useFixture(tmp.dir, 'app.mjs');
    const cluster = await Cluster.start({ app, dir: tmp.dir, workers: 2, args: ['--ready-timeout', '2s'] });
    t.after(() => cluster.destroy());
    const port = await cluster.port();
    const before = await cluster.status();

    const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 4, sparse: 4, fresh: 3, slowEvery: 5, maxDurationMs: 60_000 });
    await waitFor('traffic to flow', () => load.okCount() > 100);

    copyFileSync(join(FIXTURES, fixture), app);
    const pending = cluster.cli(['reload']);
    if (slow) {
      // A second reload while the first runs is refused, not queued.
      await waitFor('the reload to be running', async () => (await cluster.status()).operation === 'reload');
      const second = await cluster.cli(['reload']);
      assert.equal(second.code, 1, `concurrent reload should be refused: ${second.stdout}${second.stderr}`);
      assert.match(second.stderr, /already running/);
    }
    const failed = await pending;
    const failedAt = load.now();

    copyFileSync(join(FIXTURES, 'app.mjs'), app);
    await waitFor('traffic after the failed reload', () => load.okSince(failedAt) > 200);
    const after = await cluster.status();
    const report = await load.stop();

    assert.equal(failed.code, 1, `reload should fail:\n${failed.stdout}${failed.stderr}`);
    assert.match(failed.stderr, reason);
    assert.match(failed.stderr, stderr, 'the reload error carries the worker stderr tail');
    assert.match(failed.stderr, /the old generation keeps serving/);
    assert.match(cluster.output, stderr, 'the failure is in the master log too');

    assert.equal(report.failed, 0, `failed requests during a broken reload:\n${describeLoad(report)}`);
    const serving = after.workers.filter((w) => w.state === 'ready');
    assert.deepEqual(
      serving.map((w) => [w.pid, w.generation]).sort(),
      before.workers.map((w) => [w.pid, w.generation]).sort(),
      'the same old workers still serve',
    );
    assert.equal(after.workers.length, 2, `no broken worker left behind: ${JSON.stringify(after.workers)}`);
    assert.equal(after.lastReload?.ok, false);
    const late = report.samples.filter((s) => s.start > failedAt);
    assert.ok(late.length > 0 && late.every((s) => s.generation === '1'), describeLoad(report));

    // With the good code back on disk, the next reload goes through.
    const fixed = await cluster.cli(['reload']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /reloaded: generation 3 serving on 2 workers/);
  });
}
