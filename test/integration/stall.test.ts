// A worker whose event loop blocks for ever is noticed by its missing heartbeat and
// replaced within --stall-timeout plus a second; fresh connections are all answered
// afterwards, and the restart is counted and logged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAlive, startFixture, waitFor } from '../support/cluster.js';
import { get, getJson } from '../support/http.js';

test('a worker stuck in an endless loop is killed and replaced within --stall-timeout + 1 s', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, args: ['--stall-timeout', '2s'] });
  const port = await cluster.port();
  const before = await cluster.status();
  await waitFor('heartbeats from both workers', async () => (await cluster.status()).workers.every((w) => w.lastHeartbeatMs !== undefined));

  const stuck = (await getJson(port, '/hang')).pid as number;
  const hungAt = Date.now();
  const slot = before.workers.find((w) => w.pid === stuck)!.slot;
  await waitFor(`worker ${stuck} to be killed`, () => !isAlive(stuck), 5_000);
  const replacedIn = Date.now() - hungAt;
  assert.ok(replacedIn < 3_000 + 500, `killed ${replacedIn}ms after it got stuck (--stall-timeout 2s, checked every second)`);
  assert.match(cluster.output, new RegExp(`worker \\d+ \\(pid ${stuck}\\) stuck for [23]s: no heartbeat from its event loop`));

  const after = await waitFor('a replacement worker, ready', async () => {
    const s = await cluster.status();
    const ready = s.workers.filter((w) => w.state === 'ready');
    return ready.length === 2 && !ready.some((w) => w.pid === stuck) && ready.every((w) => w.eventLoopDelayMs !== undefined) ? s : undefined;
  });
  assert.equal(after.workers.find((w) => w.slot === slot)!.restarts, 1, 'the restart is counted');
  const answers = await Promise.all(Array.from({ length: 40 }, () => get(port)));
  assert.deepEqual([...new Set(answers.map((r) => r.status))], [200], 'every fresh connection is answered');
  const delays = after.workers.map((w) => w.eventLoopDelayMs);
  assert.ok(delays.every((d) => typeof d === 'number' && d >= 0), `event-loop delay per worker: ${JSON.stringify(delays)}`);
});
