// Zero failed requests across rolling reloads: keep-alive (busy and sparse) and
// one-connection-per-request clients, fast and 200 ms requests, no retries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';

test('back-to-back rolling reloads under load fail no request', { timeout: 120_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = useFixture(tmp.dir, 'app.mjs');
  const cluster = await Cluster.start({ app, dir: tmp.dir, workers: 3 });
  t.after(() => cluster.destroy());
  const port = await cluster.port();

  const load = startLoad({
    target: { host: '127.0.0.1', port },
    keepAlive: 6,
    sparse: 6,
    fresh: 4,
    slowEvery: 5,
    maxDurationMs: 90_000,
    maxRequests: 2_000_000,
  });
  await waitFor('traffic to flow', () => load.okCount() > 100);

  const began = Date.now();
  const reloads = [];
  while (reloads.length < 5 || Date.now() - began < 10_000) {
    reloads.push(await cluster.cli(['reload']));
    if (reloads.length >= 40) break;
  }
  const afterLastReload = load.now();
  await waitFor('traffic after the last reload', () => load.okSince(afterLastReload) > 300);
  const report = await load.stop();
  const status = await cluster.status();

  const failedReloads = reloads.filter((r) => r.code !== 0);
  assert.equal(failedReloads.length, 0, `reloads failed:\n${failedReloads.map((r) => r.stderr).join('\n')}\n${cluster.output.slice(-4000)}`);
  assert.ok(reloads.length >= 5, `only ${reloads.length} reloads ran`);
  assert.ok(report.durationMs >= 10_000, `load ran only ${report.durationMs}ms`);
  assert.equal(report.failed, 0, `failed requests under reload:\n${describeLoad(report)}`);
  assert.equal(status.generation, 1 + reloads.length, 'every reload made a new generation');
  const late = report.samples.filter((s) => s.start > afterLastReload);
  assert.ok(late.length > 300, describeLoad(report));
  const stale = late.filter((s) => s.generation !== String(status.generation));
  assert.equal(stale.length, 0, `responses after the last reload from an old generation: ${JSON.stringify(stale.slice(0, 5))}`);
  const clientsSeen = new Set(report.samples.map((s) => s.client.replace(/-\d+$/, '')));
  assert.deepEqual([...clientsSeen].sort(), ['fresh', 'keepalive', 'sparse']);
  t.diagnostic(`${reloads.length} reloads; ${describeLoad(report).split('\n').slice(0, 3).join('; ')}`);
});
