// A log file that cannot be written (here /dev/full, where every write fails with
// ENOSPC) never stops the cluster: requests are served, reloads work, the warning is
// printed once, and the dropped lines are counted in status.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { startFixture, waitFor } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';

test('a full disk under --log-file: serving goes on, one warning, lines counted as dropped', { timeout: 60_000, skip: !existsSync('/dev/full') && 'needs /dev/full' }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, args: ['--log-file', '/dev/full'], readyByStatus: true });
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, sparse: 2, fresh: 1, maxDurationMs: 40_000, maxRequests: 500_000 });
  t.after(() => load.stop());
  await waitFor('traffic to flow', () => load.okCount() > 100);
  for (let i = 0; i < 3; i++) {
    const reload = await cluster.cli(['reload']);
    assert.equal(reload.code, 0, reload.stderr);
  }
  const afterReloads = load.now();
  await waitFor('traffic after the reloads', () => load.okSince(afterReloads) > 100);
  const report = await load.stop();
  const status = await cluster.status();

  assert.equal(report.failed, 0, describeLoad(report));
  assert.ok((status.logLinesDropped ?? 0) > 10, `dropped lines are counted: ${status.logLinesDropped}`);
  const warnings = cluster.output.split('\n').filter((l) => l.includes('cannot write the log file /dev/full: ENOSPC'));
  assert.equal(warnings.length, 1, `one warning, not one per line:\n${cluster.output.slice(-2000)}`);
});
