// --max-memory: a worker above the limit is replaced by a rolling swap (its successor
// is ready before it drains), under load, with zero failed requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAlive, startFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';

test('a worker above --max-memory is swapped out with zero failed requests', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, args: ['--max-memory', '160MB'] });
  const port = await cluster.port();
  const before = await cluster.status();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 3, sparse: 3, fresh: 2, slowEvery: 5, maxDurationMs: 40_000 });
  t.after(() => load.stop());
  await waitFor('traffic to flow', () => load.okCount() > 50);

  const grown = (await getJson(port, '/grow?mb=200')).pid as number;
  await waitFor('the grown worker to be replaced', async () => {
    const status = await cluster.status();
    return !isAlive(grown) && status.workers.filter((w) => w.state === 'ready').length === 2 && !status.workers.some((w) => w.pid === grown);
  }, 20_000);
  const since = load.now();
  await waitFor('traffic after the swap', () => load.okSince(since) > 100);
  const report = await load.stop();
  const after = await cluster.status();

  assert.equal(report.failed, 0, describeLoad(report));
  assert.match(cluster.output, new RegExp(`\\(pid ${grown}\\) uses \\d+MB, above --max-memory 160MB: replacing it`));
  assert.equal(after.generation, before.generation, 'a swap is not a reload');
  assert.deepEqual(after.workers.map((w) => w.restarts), [0, 0], 'nor a crash');
  const other = before.workers.find((w) => w.pid !== grown)!;
  assert.ok(after.workers.some((w) => w.pid === other.pid), 'the worker under the limit was left alone');
});
