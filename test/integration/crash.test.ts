// A worker that crashes outside a reload is replaced; one that keeps crashing backs
// off exponentially up to a ceiling, and the crash loop shows in the log and status.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, startFixture, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { get } from '../support/http.js';


test('a crashed worker is replaced in its slot', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2 });
  const port = await cluster.port();
  const before = await cluster.status();
  assert.ok(before.rssBytes > 1_000_000, `master memory: ${before.rssBytes}`);
  assert.ok(before.workers.every((w) => (w.rssBytes ?? 0) > 1_000_000 && (w.cpuPercent ?? -1) >= 0), JSON.stringify(before.workers));

  const crashed = JSON.parse((await get(port, '/crash')).body) as { pid: number };
  const after = await waitFor('a replacement worker', async () => {
    const s = await cluster.status();
    const ready = s.workers.filter((w) => w.state === 'ready');
    return ready.length === 2 && !ready.some((w) => w.pid === crashed.pid) ? s : undefined;
  });
  const slot = before.workers.find((w) => w.pid === crashed.pid)!.slot;
  assert.equal(after.workers.find((w) => w.slot === slot)!.restarts, 1);
  assert.equal(after.workers.find((w) => w.slot !== slot)!.restarts, 0);
  assert.match(cluster.output, new RegExp(`pid ${crashed.pid}\\) exited with code 3 unexpectedly`));
  assert.equal((await get(port, '/fast')).status, 200);
});

test('a crash loop backs off exponentially and recovers once the cause is gone', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const crashFile = join(tmp.dir, 'crash');
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1, env: { CRASH_FILE: crashFile } });
  t.after(() => cluster.destroy());
  const port = await cluster.port();

  writeFileSync(crashFile, '');
  await get(port, '/crash');
  await waitFor('five restarts in a row', () => /restarting its worker in 1600ms \(restart 5\) — crash loop/.test(cluster.output), 30_000);
  const delays = [...cluster.output.matchAll(/restarting its worker in (\d+)ms/g)].map((m) => Number(m[1]));
  assert.deepEqual(delays.slice(0, 5), [100, 200, 400, 800, 1600]);
  const looping = await cluster.status();
  assert.ok(looping.workers.every((w) => w.restarts >= 5), JSON.stringify(looping.workers));

  rmSync(crashFile);
  const healed = await waitFor('the slot to recover', async () => {
    const s = await cluster.status();
    // Ready and up well past the 50 ms in which a crashing worker dies.
    return s.workers.length === 1 && s.workers[0]!.state === 'ready' && s.workers[0]!.uptimeMs > 500 ? s : undefined;
  }, 20_000);
  assert.ok(healed.workers[0]!.restarts >= 5, JSON.stringify(healed.workers));
  assert.equal((await get(port, '/fast')).status, 200);
});
