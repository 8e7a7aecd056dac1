// Every worker gets its share: 4 workers, a burst of 32 keep-alive connections (each a
// closed loop of requests). Every worker serves, the busiest serves at most 1.5/N of the
// requests and holds at most 1.6/N of the connections, and `baton status --json` counts
// what the clients saw. The same after a reload and after an upgrade.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFixture, waitFor } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Load, Sample } from '../support/load.js';

const WORKERS = 4;
const CONNECTIONS = 32;

/** Requests by the pid that answered, among samples that started after `since`. */
function byPid(samples: readonly Sample[], since: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of samples) if (s.start > since && s.pid !== undefined) counts.set(s.pid, (counts.get(s.pid) ?? 0) + 1);
  return counts;
}

/** Checks the spread over the live workers in a window of the load; returns a line for messages. */
async function assertSpread(cluster: Cluster, load: Load, what: string): Promise<string> {
  // New workers report their connections every second: wait for every one's first report.
  const reported = (s: Awaited<ReturnType<Cluster['status']>>) => s.workers.filter((w) => w.state === 'ready' && w.connections !== undefined).length === WORKERS;
  await waitFor(`${what}: every worker's first report`, async () => reported(await cluster.status()), 5_000);
  const from = load.now();
  await waitFor(`${what}: traffic`, () => load.okSince(from) > 3000, 20_000);
  // Reports come every second: judge by ones that came after the window opened.
  const status = await waitFor(`${what}: reports from within the window`, async () => {
    const s = await cluster.status();
    return s.workers.every((w) => w.state !== 'ready' || (w.lastHeartbeatMs ?? Infinity) < load.now() - from) ? s : undefined;
  }, 5_000);
  const ready = status.workers.filter((w) => w.state === 'ready');
  assert.equal(ready.length, WORKERS, `${what}: ${JSON.stringify(status.workers)}`);
  const live = new Set(ready.map((w) => w.pid!));
  const counts = byPid(load.samplesSince(from).filter((s) => live.has(s.pid!)), from);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const shares = ready.map((w) => (counts.get(w.pid!) ?? 0) / total);
  const line = `${what}: request shares ${shares.map((s) => s.toFixed(2)).join(', ')}; connections ${ready.map((w) => w.connections).join(', ')}`;
  assert.ok(shares.every((s) => s > 0), `every worker serves: ${line}`);
  assert.ok(Math.max(...shares) <= 1.5 / WORKERS, `the busiest serves at most 1.5/N of the requests: ${line}`);
  const held = ready.map((w) => w.connections ?? 0);
  const open = held.reduce((a, b) => a + b, 0);
  assert.ok(Math.max(...held) <= Math.floor((1.6 / WORKERS) * open), `the busiest holds at most 1.6/N of the connections: ${line}`);
  return line;
}

test('4 workers, a burst of 32 keep-alive connections: an even spread, before and after a reload and an upgrade', { timeout: 120_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: WORKERS });
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: CONNECTIONS, slowEvery: 1_000_000, maxDurationMs: 90_000, maxRequests: 5_000_000 });
  t.after(() => load.stop());

  const lines = [await assertSpread(cluster, load, 'after the burst')];
  const reload = await cluster.cli(['reload']);
  assert.equal(reload.code, 0, reload.stderr);
  lines.push(await assertSpread(cluster, load, 'after a reload'));
  const upgrade = await cluster.cli(['upgrade']);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  cluster.track([(await cluster.status()).pid], true);
  lines.push(await assertSpread(cluster, load, 'after an upgrade'));

  const report = await load.stop();
  assert.equal(report.failed, 0, describeLoad(report));
  // What status counts is what the clients saw: every request of the last master's
  // workers (their reports come every second; once the load has stopped they settle).
  const final = await cluster.status();
  const pids = new Set(final.workers.map((w) => w.pid));
  const seen = report.samples.filter((s) => pids.has(s.pid!)).length;
  const counted = await waitFor('the workers\' last reports', async () => {
    const s = await cluster.status();
    const n = s.workers.reduce((sum, w) => sum + (w.requests ?? 0), 0);
    return n >= seen ? n : undefined;
  }, 5_000).catch(() => -1);
  assert.ok(counted >= seen && counted <= seen + CONNECTIONS, `status counts ${counted} requests, the clients saw ${seen} (within ${CONNECTIONS} in flight)\n${lines.join('\n')}`);
});
